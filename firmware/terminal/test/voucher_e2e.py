#!/usr/bin/env python3
"""Vouchers at the counter, every piece a real process: mykey-cloud serve on
SQLite, pcscd + vpcd + mykey-vcard, mykey-vprinter on TCP, and two enrolled
mykey-terminal processes. A kiosk terminal (site 2) issues a voucher for the
holder (PIN typed on a pseudo-terminal) and prints it with proof of print on
the virtual printer; a second, shop terminal (site 1, no card) scans the PNG
the printer rendered, verifies it offline against the cloud's voucher keys it
cached at enrolment, and redeems it online; a second redemption is refused
voucher_already_redeemed, a forged token voucher_invalid without asking the
cloud.

usage: voucher_e2e.py BIN_DIR [--keep]   (the build tree; needs root and a running pcscd)

Prints each step with its time; exits 0 when every check passed."""
import json, os, pty, shutil, signal, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../../tests/support/python"))
import mykey_e2e  # noqa: E402
from mykey_e2e import local_api, type_pin  # noqa: E402

bin_dir = sys.argv[1]
e2e = mykey_e2e.Session("voucher-e2e", bin_dir)
tool, work, procs = e2e.tool, e2e.work, e2e.procs
step, run, start, check = e2e.step, e2e.run, e2e.start, e2e.check
KIOSK_PORT, SHOP_PORT = 18922, 18921


try:
    step("test JPKI and a personalised card")
    ca_dir = e2e.test_card("voucher-e2e", 8)

    step("mykey-cloud on SQLite: a shop (site 1) and a kiosk (site 2) of Chiyoda")
    store = ["--store", work + "/cloud.db"]
    run(tool["cloud"], "init", *store)
    run(tool["cloud"], "admin", "municipality", "add", *store, "--code", "131016", "--name", "千代田区")
    run(tool["cloud"], "admin", "programme", "add", *store, "--municipality", "131016",
        "--code", "health", "--name", "健康ポイント")
    run(tool["cloud"], "admin", "merchant", "add", *store, "--municipality", "131016",
        "--name", "さくら商店", "--kind", "shop")
    run(tool["cloud"], "admin", "merchant", "accept", *store, "--id", "1", "--programme", "1")
    run(tool["cloud"], "admin", "merchant", "add", *store, "--municipality", "131016",
        "--name", "区役所キオスク", "--kind", "kiosk")
    run(tool["cloud"], "admin", "provider", "add", *store, "--code", "sakura", "--name", "さくら商店")

    def enrolment_code(site):
        return json.loads(run(tool["cloud"], "admin", "enrollment-code", "create", *store,
                              "--site-kind", "merchant", "--site-id", str(site), "--provider-id", "1",
                              "--municipality", "131016", "--json"))["enrollment_code"]

    shop_code, kiosk_code = enrolment_code(1), enrolment_code(2)
    cloud, cloud_url = e2e.serve_cloud(store, ca_dir)

    step("mykey-vprinter on TCP and the card in vpcd slot 1 (slot 0 is terminal_e2e.py's)")
    printer_control_r, printer_control_w = os.pipe()
    printer, line = start([tool["vprinter"], "--port", "0", "--out", work + "/receipts", "--no-font"],
                          "ready port=", stdin=printer_control_r)
    printer_port = int(line.split("ready port=")[1].split()[0])
    vcard_control_r, vcard_control_w = os.pipe()
    vcard, _ = start([tool["vcard"], "--card", work + "/card.json", "--slot", "1"], "ready",
                     stdin=vcard_control_r)

    step("two terminals: configuration, enrolment (voucher keys cached), connection test")
    master, slave = pty.openpty()
    token = "e2e-token-0123456789abcdef"
    with open(work + "/api.token", "w") as f:
        f.write(token + "\n")
    os.chmod(work + "/api.token", 0o600)

    def config(mode, port):
        os.makedirs("%s/%s" % (work, mode), exist_ok=True)
        path = "%s/%s.toml" % (work, mode)
        with open(path, "w") as f:
            f.write("""[terminal]
mode = "%s"
language = "ja"
site_name = "千代田区"
pin_device = "%s"
log_level = "info"
[reader]
name = "Virtual PCD 00 01"
[printer]
backend = "tcp"
port = %d
[cloud]
url = "%s"
key_file = "%s/%s/terminal.key.pem"
id_file = "%s/%s/terminal.id"
[offline]
revocation_cache = "%s/%s/revocation.bin"
[local_api]
port = %d
token_file = "%s/api.token"
[shop]
merchant_name = "さくら商店"
programme_name = "健康ポイント"
programme_id = 1
[kiosk]
voucher_amounts = [500, 1000]
voucher_unprinted = "keep_pending"
""" % (mode, os.ttyname(slave), printer_port, cloud_url, work, mode, work, mode, work, mode,
                port, work))
        return path

    shop_config, kiosk_config = config("shop", SHOP_PORT), config("kiosk", KIOSK_PORT)
    for path, code in ((shop_config, shop_code), (kiosk_config, kiosk_code)):
        print("           " + run(tool["terminal"], "--config", path, "enroll", code, "--name", "T")
              .strip().replace("\n", "\n           "))
    print("           " + run(tool["terminal"], "--config", shop_config, "test-connection")
          .strip().replace("\n", "\n           "))
    keys = json.load(open(work + "/shop/voucher-keys.json"))["keys"]
    check(len(keys) == 1 and len(keys[0]["public_key"]) == 130,
          "the shop cached the cloud's voucher key next to its id")

    def api(port, method, path, body=None):
        return local_api(port, token, method, path, body)

    def holder_types_pin():
        return type_pin(master)

    def operation(port, body, pin=True):
        # The desk takes the next operation once the last one has settled.
        deadline = time.monotonic() + 10
        while api(port, "GET", "/healthz")[1].get("busy") and time.monotonic() < deadline:
            time.sleep(0.02)
        status, started = api(port, "POST", "/v1/operations", body)
        check(status == 202, "%s accepted (202): %s" % (body["kind"], json.dumps(started)))
        if pin:
            holder_types_pin()
        op = started
        while "result" not in op:
            _, op = api(port, "GET", "/v1/operations/%s?after=%d&wait=25" % (started["id"], len(op["events"])))
        return op

    def run_terminal(path):
        p, _ = start([tool["terminal"], "--config", path, "--no-console"], "ready:")
        return p

    def jobs():
        return sorted(n for n in os.listdir(work + "/receipts") if n.endswith(".json"))

    step("kiosk: the holder creates MyKey ID E2EHANA9, and is granted 1,500 points")
    kiosk = run_terminal(kiosk_config)
    op = operation(KIOSK_PORT, {"kind": "create_mykey_id", "mykey_id": "E2EHANA9"})
    check(op["result"]["state"] == "done", "create_mykey_id done: %s" % json.dumps(op["result"]))
    kiosk.send_signal(signal.SIGTERM)
    kiosk.wait(10)
    run(tool["cloud"], "admin", "grant", *store, "--mykey-id", "E2EHANA9", "--programme", "1",
        "--amount", "1500", "--expires-on", "%d-12-31" % (time.gmtime().tm_year + 1),
        "--department", "健康福祉部", "--reason", "健診", "--key", "e2e-grant-1")

    step("kiosk: the holder prints a 1,000-point voucher (PIN, issue, print with proof, confirm)")
    kiosk = run_terminal(kiosk_config)
    t0 = time.monotonic()
    op = operation(KIOSK_PORT, {"kind": "issue_voucher", "amount": 1000})
    print("           issue_voucher end to end (PIN typing included): %.0f ms"
          % ((time.monotonic() - t0) * 1000))
    result = op["result"]
    check(result["state"] == "done", "issue_voucher done: %s" % json.dumps(result))
    serial = result.get("voucher_serial", "")
    check(len(serial) >= 10, "the result names the voucher serial %s" % serial)
    check(result.get("print") == "printed", "the voucher printed with proof")
    check(result.get("balance") == 500, "balance 500 after a 1,000-point voucher of 1,500")
    voucher_jobs = jobs()
    check(len(voucher_jobs) == 1, "one job on the virtual printer")
    png = os.path.join(work, "receipts", voucher_jobs[0].replace(".json", ".png"))
    check(os.path.exists(png), "the virtual printer rendered the voucher page " + png)
    os.write(vcard_control_w, b"remove\n")
    # The holder has taken the card: the kiosk sees it go (and lets it go without a reset)
    # before it is stopped, so the card can come back at once later.
    deadline = time.monotonic() + 10
    while api(KIOSK_PORT, "GET", "/healthz")[1].get("busy") and time.monotonic() < deadline:
        time.sleep(0.02)
    kiosk.send_signal(signal.SIGTERM)
    check(kiosk.wait(40) == 0, "the kiosk stops cleanly")

    step("shop: a second terminal scans the PNG, verifies it offline and redeems it (no card)")
    shop = run_terminal(shop_config)
    t0 = time.monotonic()
    op = operation(SHOP_PORT, {"kind": "redeem_voucher", "image": png, "reference": "POS-V1"}, pin=False)
    print("           redeem_voucher end to end (scan, verify, redeem, receipt): %.0f ms"
          % ((time.monotonic() - t0) * 1000))
    result = op["result"]
    check(result["state"] == "done", "redeem_voucher done: %s" % json.dumps(result))
    check(result.get("voucher_serial") == serial, "the same serial was redeemed")
    check(result.get("amount") == 1000 and result.get("voucher_state") == "redeemed",
          "1,000 points, state redeemed")
    check(result.get("print") == "printed", "the redemption receipt printed")
    check(len(jobs()) == 2, "a second job (the receipt) on the virtual printer")
    stages = [e["name"] for e in op["events"] if e["kind"] == "stage"]
    check(stages[:3] == ["checking_request", "checking_voucher", "redeeming_voucher"],
          "stages " + ", ".join(stages))

    step("shop: the same voucher again is refused voucher_already_redeemed")
    op = operation(SHOP_PORT, {"kind": "redeem_voucher", "image": png}, pin=False)
    check(op["result"]["state"] == "failed" and op["result"]["reason"] == "voucher_already_redeemed",
          "second redemption refused: %s" % json.dumps(op["result"]))
    op = operation(SHOP_PORT, {"kind": "redeem_voucher", "serial": serial}, pin=False)
    check(op["result"]["reason"] == "voucher_already_redeemed", "also when the serial is typed")

    step("shop: a token that does not verify is refused offline")
    op = operation(SHOP_PORT, {"kind": "redeem_voucher", "token": "MKV:1234567890ABCDEFGHIJ"}, pin=False)
    check(op["result"]["state"] == "failed" and op["result"]["reason"] == "voucher_invalid",
          "forged token refused: %s" % json.dumps(op["result"]))
    check(len(jobs()) == 2, "nothing more printed")
    shop.send_signal(signal.SIGTERM)
    check(shop.wait(15) == 0, "mykey-terminal stops cleanly on SIGTERM")

    step("kiosk: paper out: a 500-point voucher does not print and is kept pending")
    os.write(printer_control_w, b"paper-out\n")
    os.write(vcard_control_w, b"insert\n")
    kiosk = run_terminal(kiosk_config)
    op = operation(KIOSK_PORT, {"kind": "issue_voucher", "amount": 500})
    result = op["result"]
    check(result["state"] == "failed" and result.get("reason") == "voucher_not_printed",
          "issue_voucher failed voucher_not_printed: %s" % json.dumps(result))
    pending_serial = result.get("voucher_serial", "")
    check(len(pending_serial) >= 10, "the result names the pending voucher %s" % pending_serial)
    check(len(jobs()) == 2, "nothing came out of the printer")
    os.write(vcard_control_w, b"remove\n")
    op = operation(KIOSK_PORT, {"kind": "pending_vouchers"}, pin=False)
    listed = op["result"].get("pending_vouchers", [])
    check(op["result"]["state"] == "done" and [v["serial"] for v in listed] == [pending_serial]
          and listed[0]["amount"] == 500,
          "pending_vouchers lists it: %s" % json.dumps(op["result"]))

    step("kiosk: paper back; the clerk reprints it as a duplicate (再発行), confirmed")
    os.write(printer_control_w, b"ok\n")
    op = operation(KIOSK_PORT, {"kind": "reprint_voucher", "serial": pending_serial}, pin=False)
    result = op["result"]
    check(result["state"] == "done" and result.get("print") == "printed" and
          result.get("voucher_state") == "issued" and result.get("voucher_serial") == pending_serial,
          "reprint_voucher done, printed with proof, issued: %s" % json.dumps(result))
    voucher_jobs = jobs()
    check(len(voucher_jobs) == 3, "one more job: the duplicate")
    duplicate_png = os.path.join(work, "receipts", voucher_jobs[-1].replace(".json", ".png"))
    op = operation(KIOSK_PORT, {"kind": "pending_vouchers"}, pin=False)
    check(op["result"]["state"] == "done" and not op["result"].get("pending_vouchers"),
          "nothing pending any more")
    op = operation(KIOSK_PORT, {"kind": "reprint_voucher", "serial": pending_serial}, pin=False)
    check(op["result"].get("reason") == "voucher_not_pending",
          "a second reprint is refused: %s" % json.dumps(op["result"]))
    kiosk.send_signal(signal.SIGTERM)
    check(kiosk.wait(40) == 0, "the kiosk stops cleanly")

    step("shop: the duplicate is redeemed once")
    shop = run_terminal(shop_config)
    op = operation(SHOP_PORT, {"kind": "redeem_voucher", "image": duplicate_png}, pin=False)
    result = op["result"]
    check(result["state"] == "done" and result.get("voucher_serial") == pending_serial and
          result.get("amount") == 500, "the duplicate redeemed: %s" % json.dumps(result))
    op = operation(SHOP_PORT, {"kind": "redeem_voucher", "image": duplicate_png}, pin=False)
    check(op["result"].get("reason") == "voucher_already_redeemed", "and only once")
    shop.send_signal(signal.SIGTERM)
    check(shop.wait(15) == 0, "mykey-terminal stops cleanly on SIGTERM")
    keep = "--keep" in sys.argv[2:]
    step("all checks passed" + ("; receipts in " + work + "/receipts" if keep else ""))
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
finally:
    e2e.stop_all()
