#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (re-run to re-create it).

fuzz_response_apdu input: byte 0 = operations (bit 0 token type, 1 auth cert,
2 auth CA cert, 3 PIN check + verify, 4 sign, 5 change PIN, 6 sign CA cert,
7 confirm the last try); then responses, each a length byte and the bytes
(length 0xFF: a 2-byte big-endian length follows).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OK = bytes.fromhex("9000")


def frame(responses):
    out = b""
    for r in responses:
        if len(r) >= 0xFF:
            out += b"\xff" + struct.pack(">H", len(r)) + r
        else:
            out += bytes([len(r)]) + r
    return out


def cert(total):
    """A fake DER SEQUENCE of exactly `total` bytes."""
    for header in (bytes([0x30, total - 2]) if total - 2 < 0x80 else None,
                   bytes([0x30, 0x81, total - 3]) if 0x80 <= total - 3 < 0x100 else None,
                   bytes([0x30, 0x82]) + struct.pack(">H", total - 4)):
        if header is not None:
            return header + bytes((i * 7) & 0xFF for i in range(total - len(header)))


def chunks(data, ef_size=None, size=256):
    if ef_size:
        data = data + b"\xff" * (ef_size - len(data))
    return [data[i:i + size] + OK for i in range(0, len(data), size)]


def label(text):
    return text.encode().ljust(32, b" ") + OK


C600 = cert(600)
SEEDS = {
    "select_ok": (0x00, [OK]),
    "select_no_applet": (0x00, [bytes.fromhex("6A82")]),
    "token_plastic": (0x01, [OK, OK, label("JPKIAPICCTOKEN2")]),
    "token_unknown_6cxx": (0x01, [OK, OK, bytes.fromhex("6C20"), label("JPKIAPXXTOKEN")]),
    "auth_cert_600": (0x02, [OK, OK] + chunks(C600)[:2] + [C600[512:] + OK]),
    "auth_ca_cert_small": (0x04, [OK, OK, cert(131) + b"\xff" * 125 + OK]),
    "auth_cert_get_response": (0x02, [OK, OK, bytes.fromhex("6100"), C600[:256] + OK,
                                      C600[256:512] + OK, C600[512:] + OK]),
    "auth_cert_phone_6982": (0x02, [OK, OK, bytes.fromhex("6982")]),
    "auth_cert_removed_garbled": (0x02, [OK, OK, C600[:256] + OK, b"\x90"]),
    "auth_cert_not_der": (0x02, [OK, OK, b"\xff" * 256 + OK]),
    "pin_check_verify_ok": (0x08, [OK, OK, bytes.fromhex("63C3"), OK, OK]),
    "pin_last_try_blocks": (0x88, [OK, OK, bytes.fromhex("63C1"), OK, bytes.fromhex("63C0")]),
    "pin_blocked_6984": (0x08, [OK, OK, bytes.fromhex("6984")]),
    "sign_ok": (0x10, [OK, OK, bytes(range(256)) + OK]),
    "sign_no_pin_6982": (0x10, [OK, OK, bytes.fromhex("6982")]),
    "verify_then_change": (0x28, [OK, OK, bytes.fromhex("63C3"), OK, OK, OK, OK]),
    "everything": (0x7F, [OK, OK, label("JPKIAPGPSETOKEN"), OK] + chunks(C600) +
                   [OK] + chunks(cert(131)) +
                   [OK, bytes.fromhex("63C2"), OK, bytes.fromhex("63C1"), OK, bytes(256) + OK,
                    OK] + chunks(cert(300))),
}

DER = {
    "long_2_octets": "30820400",
    "long_1_octet": "308180",
    "short": "3005",
    "indefinite": "3080",
    "non_minimal_1": "308105",
    "non_minimal_2": "30820010",
    "four_octets": "3084000001000000",
    "five_octets": "308501000000",
    "multi_byte_tag": "1f0100",
    "truncated": "30",
    "truncated_long": "3082",
    "integer": "020100",
    "three_octets": "3083010000",
}


MUNI = "X-Test-Caller: operator:municipality:131016"
SHOP = "X-Test-Caller: terminal:T1:merchant:1:p1:131016"
JSON = "Content-Type: application/json"
CLOUD = {
    "grant": ("POST /v1/grants", [MUNI, JSON, "Idempotency-Key: g1"],
              '{"mykey_id":"AB23CD45","programme_id":1,"amount":500,"expires_on":"2099-03-31",'
              '"department":"d","reason":"r"}'),
    "grant_bad_amount": ("POST /v1/grants", [MUNI, JSON, "Idempotency-Key: g2"],
                         '{"mykey_id":"AB23CD45","programme_id":1,"amount":-5,'
                         '"expires_on":"2099-03-31","department":"d","reason":"r"}'),
    "grant_unknown_field": ("POST /v1/grants", [MUNI, JSON, "Idempotency-Key: g3"],
                            '{"mykey_id":"AB23CD45","colour":"red"}'),
    "grant_deep_json": ("POST /v1/grants", [MUNI, JSON], "[" * 40 + "]" * 40),
    "redeem": ("POST /v1/redemptions", [SHOP, JSON, "Idempotency-Key: r1"],
               '{"mykey_id":"AB23CD45","programme_id":1,"amount":100,"hold":true}'),
    "redeem_huge": ("POST /v1/redemptions", [SHOP, JSON, "Idempotency-Key: r2"],
                    '{"mykey_id":"AB23CD45","programme_id":1,"amount":99999999999999999999}'),
    "capture": ("POST /v1/redemptions/1/capture", [SHOP, "Idempotency-Key: c1"], ""),
    "void_bad_id": ("POST /v1/redemptions/-1/void", [SHOP], ""),
    "refund": ("POST /v1/redemptions/1/refunds", [SHOP, JSON, "Idempotency-Key: f1"],
               '{"amount":10}'),
    "balances": ("GET /v1/holders/AB23CD45/balances", [MUNI], ""),
    "operation": ("GET /v1/operations/g1", [MUNI], ""),
    "settlement": ("GET /v1/reports/settlement?merchant_id=1&from=2026-04-01&to=2026-04-30",
                   [MUNI], ""),
    "unused": ("GET /v1/reports/unused-balances?municipality=131016&on=2026-04-01", [MUNI], ""),
    "programme_add": ("POST /v1/municipalities/131016/programmes", [MUNI, JSON],
                      '{"code":"event1","name":"祭り","kind":"event"}'),
    "merchant_add": ("POST /v1/municipalities/131016/merchants", [MUNI, JSON],
                     '{"name":"Library","kind":"library"}'),
    "accept": ("PUT /v1/merchants/1/programmes/1", [MUNI], ""),
    "policy": ("PUT /v1/municipalities/131016/policy", [MUNI, JSON],
               '{"cross_municipality_use":true}'),
    "providers_admin": ("POST /v1/providers", ["X-Test-Caller: operator:admin", JSON],
                        '{"code":"lib","name":"図書館"}'),
    "no_caller": ("GET /v1/municipalities", [], ""),
    "not_json": ("POST /v1/grants", [MUNI, JSON], "not json"),
    "wrong_type": ("POST /v1/grants", [MUNI, "Content-Type: text/plain"], "{}"),
    "bad_utf8": ("POST /v1/municipalities/131016/merchants", [MUNI, JSON],
                 '{"name":"\xff\xfe","kind":"shop"}'),
    "method": ("DELETE /v1/grants", [MUNI], ""),
}


# What a receipt printer sends back (fuzz_printer_response).
PRINTER = {
    "status_idle": "12121212",
    "status_paper_out": "1e32127e",
    "asb_then_status": "1400000f12",
    "process_id_2626": "372232363236" "00",
    "process_id_then_status": "3722303034320012",
    "clear_answer": "372500",
    "gs_i_block": "5f544d2d5438385600",
    "broken_asb": "18121600",
    "unterminated_block": "3722" + "32" * 70,
    "not_digits": "372231783334" "00",
    # Found by the fuzzer: a broken answer whose digits took the next answer's 37.
    "broken_answer": "3722323632",
}


def write_printer_responses():
    d = os.path.join(HERE, "corpus", "fuzz_printer_response")
    os.makedirs(d, exist_ok=True)
    for name, hexdata in PRINTER.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes.fromhex(hexdata))


def write_cloud_requests():
    d = os.path.join(HERE, "corpus", "fuzz_cloud_request")
    os.makedirs(d, exist_ok=True)
    for name, (line, headers, body) in CLOUD.items():
        text = line + "\n" + "".join(h + "\n" for h in headers) + "\n" + body
        with open(os.path.join(d, name), "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape"))


ESC, GS, FS, DLE = b"\x1b", b"\x1d", b"\x1c", b"\x10"


def le16(n):
    return struct.pack("<H", n)


def gs_paren(letter, body):
    return GS + b"(" + letter + le16(len(body)) + body


def process_id(digits):
    return gs_paren(b"H", b"\x30\x30" + digits)


SQUARE = b"".join(b"\xff\xff" if y in (0, 15) else b"\x80\x01" for y in range(16))
CUT = GS + b"V\x00"
# fuzz_escpos_parser: byte 0 = the split (0: one byte at a time), then the stream. The first
# seeds (golden jobs, kanji, raster, ...) were written by hand; these cover the commands the
# virtual printer models since it behaves as a real printer (graphics, NV images, barcodes,
# fonts and modes, answers, real-time requests, faults and clears).
ESCPOS = {
    "bit_images": b"\x03" + ESC + b"@" + ESC + b"3\x18" + b"".join(
        ESC + b"*" + bytes([m]) + le16(4) + bytes(range(0xF0, 0xF0 + 4 * (3 if m >= 32 else 1)))
        for m in (0, 1, 32, 33, 7)) + b"\n" + CUT,
    "graphics": b"\x05" + ESC + b"@" + ESC + b"a\x01" +
    gs_paren(b"L", b"\x30\x70\x30\x01\x01\x31" + le16(16) + le16(16) + SQUARE) +
    gs_paren(b"L", b"\x30\x32") + GS + b"8L" + struct.pack("<I", 10 + len(SQUARE)) +
    b"\x30\x70\x30\x02\x02\x31" + le16(16) + le16(16) + SQUARE + GS + b"8L" +
    struct.pack("<I", 2) + b"\x30\x32" +
    gs_paren(b"L", b"\x30\x43\x30AB\x01" + le16(16) + le16(16) + b"\x31" + SQUARE) +
    gs_paren(b"L", b"\x30\x45AB\x01\x02") + gs_paren(b"L", b"\x30\x45ZZ\x01\x01") +
    gs_paren(b"L", b"\x30\x53\x30CD\x01" + le16(16) + le16(16) + b"\x31" + SQUARE) +
    gs_paren(b"L", b"\x30\x55CD\x02\x01") + gs_paren(b"L", b"\x30\x71\x30\x01\x01\x31" +
                                                   le16(2) + le16(16) + b"\xff\x0f\xf0\xff") +
    gs_paren(b"L", b"\x30\x32") + CUT,
    "nv_images": b"\x07" + FS + b"q\x02" + le16(1) + le16(1) + b"\x18\x3c\x7e\xff\xff\x7e\x3c\x18" +
    le16(2) + le16(1) + bytes(range(16)) + ESC + b"@" + FS + b"p\x01\x00" + FS + b"p\x02\x33" +
    FS + b"p\x05\x00text\n" + CUT,
    "barcodes_all": b"\x00" + ESC + b"@" + GS + b"H\x03" + GS + b"f\x01" + GS + b"h\x28" + b"".join(
        GS + b"k" + bytes([m, len(d)]) + d for m, d in (
            (65, b"01234567890"), (67, b"490123456789"), (67, b"4901234567890"), (68, b"4901234"),
            (69, b"MYKEY-42"), (70, b"1234567"), (71, b"A40156B"), (71, b"1234"), (66, b"0123456"),
            (72, b"CODE93"), (73, b"{C\x0c\x22"), (79, b"auto"))) +
    GS + b"k\x02490123456789\x00" + GS + b"k\x04AB\x00" + GS + b"w\x06" + GS + b"k\x05" +
    b"1234\x00" + CUT,
    "fonts_and_modes": b"\x04" + ESC + b"@" + ESC + b"M\x01font B\n" + ESC + b"!\x00" + GS +
    b"B\x01reverse" + GS + b"B\x00\n" + ESC + b"{\x01upside down\n" + ESC + b"{\x00" + ESC +
    b"V\x01rotated\n" + ESC + b"V\x00" + ESC + b" \x05spaced\n" + ESC + b" \x00" + GS +
    b"L\x20\x00" + GS + b"W\x00\x01margin and area " * 3 + b"\n" + GS + b"L\x00\x00" + GS +
    b"W\x00\x00" + ESC + b"D\x04\x0a\x14\x00a\tb\tc\td\te\n" + ESC + b"D\x00x\ty\n" + ESC +
    b"$\x64\x00abs" + ESC + b"\\\xf6\xffrel" + ESC + b"$\x00\x10far\n" + GS + b"!\x77" +
    ESC + b"V\x01" + ESC + b"-\x02big\n" + CUT,
    "character_sets": b"\x02" + ESC + b"@" + ESC + b"R\x08\\~#\n" + ESC + b"R\x03\\\n" + ESC +
    b"t\x10\x80\x81\x9f\xe9\n" + ESC + b"t\x01\xb1\xdf\n" + ESC + b"t\x05\xe9\n" + CUT,
    "answers": b"\x01" + GS + b"I\x01" + GS + b"I\x02" + GS + b"I\x03" + b"".join(
        GS + b"I" + bytes([n]) for n in (49, 50, 51, 65, 66, 67, 68, 69, 33)) + GS + b"r\x01" +
    GS + b"r\x02" + GS + b"r\x04" + GS + b"a\x0f" + GS + b"g0\x00\x14\x00" + GS +
    b"g2\x00\x14\x00" + process_id(b"0001") + process_id(b"12a4") + GS + b"a\x00",
    "process_id_after_cut": b"\x06" + ESC + b"@job\n" + CUT + process_id(b"0042") + ESC + b"@" +
    ESC + b"d\x02" + process_id(b"0043"),
    "real_time": b"\x01" + ESC + b"@" + b"".join(DLE + b"\x04" + bytes([n]) for n in range(6)) +
    b"mid" + DLE + b"\x05\x01" + DLE + b"\x05\x02" + DLE + b"\x14\x08\x01\x03\x14\x01\x06\x02\x08" +
    b"after clear\n" + DLE + b"\x14\x08\x01\x03\x14\x01\x06\x02\x09" + DLE + b"\x14\x01\x00\x01" +
    DLE + b"\x14\x02\x01\x08" + DLE + b"\x14\x07\x01" + process_id(b"0007") + CUT,
    "clipped_qr": b"\x09" + ESC + b"@" + gs_paren(b"k", b"\x31\x43\x10") +
    gs_paren(b"k", b"\x31\x50\x30" + b"A" * 300) + gs_paren(b"k", b"\x31\x51\x30") +
    gs_paren(b"k", b"\x30\x41\x00") + ESC + b"d\x03" + CUT,
}


def write_escpos_seeds():
    d = os.path.join(HERE, "corpus", "fuzz_escpos_parser")
    os.makedirs(d, exist_ok=True)
    for name, data in ESCPOS.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    d = os.path.join(HERE, "corpus", "fuzz_response_apdu")
    os.makedirs(d, exist_ok=True)
    for name, (ops, responses) in SEEDS.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes([ops]) + frame(responses))
    with open(os.path.join(d, "raw_sw_6a82"), "wb") as f:
        f.write(bytes.fromhex("6A82"))
    write_cloud_requests()
    write_printer_responses()
    write_escpos_seeds()
    d = os.path.join(HERE, "corpus", "fuzz_der_length")
    os.makedirs(d, exist_ok=True)
    for name, hexdata in DER.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes.fromhex(hexdata))


if __name__ == "__main__":
    main()
