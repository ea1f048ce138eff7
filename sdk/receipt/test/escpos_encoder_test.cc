#include "mykey/receipt/escpos_encoder.h"

#include "escpos_scan.h"
#include "golden_documents.h"
#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

using testing::Contains;
using testing::Count;
using testing::Rasters;
using testing::WithoutRasterData;

// ESC @, ESC 3 30, ESC t 1 (katakana), ESC R 0, FS C 1 (Shift_JIS).
const Bytes kInit58Kanji = {0x1B, 0x40, 0x1B, 0x33, 0x1E, 0x1B, 0x74,
                            0x01, 0x1B, 0x52, 0x00, 0x1C, 0x43, 0x01};

PrinterProfile Profile(std::string_view name) {
  auto profile = PrinterProfile::Named(name);
  REQUIRE(profile);
  return *profile;
}

EncodedReceipt Encode(const Document& doc, std::string_view profile) {
  EscPosEncoder encoder(Profile(profile));
  auto encoded = encoder.Encode(doc);
  if (!encoded) FAIL(encoded.error().ToString());
  return std::move(*encoded);
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST_CASE(
    "An empty document is the initialisation: ESC @, line spacing, katakana page, Shift_JIS") {
  CHECK(Encode(Document{}, "generic-58-kanji").bytes == kInit58Kanji);
  // Raster-only printers get no code page and no kanji setup.
  CHECK(Encode(Document{}, "generic-58-raster-only").bytes ==
        Bytes{0x1B, 0x40, 0x1B, 0x33, 0x1E, 0x1B, 0x52, 0x00});
}

TEST_CASE("An ASCII line is its bytes and LF, with style changes sent only when they change") {
  TextStyle big;
  big.width_scale = 2;
  big.height_scale = 2;
  big.bold = true;
  big.underline = true;
  big.alignment = Alignment::kCenter;
  Document doc;
  doc.Text("Hi", big).Text("ok").AddFeed(3).AddCut(Cut{Cut::Kind::kFull, 0});
  const Bytes expected = Concat(
      {kInit58Kanji,
       {0x1B, 'a', 1, 0x1D, '!', 0x11, 0x1B, 'E', 1, 0x1B, '-', 1, 0x1C, '-', 1, 'H', 'i', 0x0A},
       {0x1B, 'a', 0, 0x1D, '!', 0x00, 0x1B, 'E', 0, 0x1B, '-', 0, 0x1C, '-', 0, 'o', 'k', 0x0A},
       {0x1B, 'd', 3},
       {0x1D, 'V', 65, 0}});
  CHECK(Encode(doc, "generic-58-kanji").bytes == expected);
}

TEST_CASE("有効期限 prints in kanji mode as Shift_JIS 97 4C 8C F8 8A FA 8C C0") {
  Document doc;
  doc.Text("有効期限 2025");
  const EncodedReceipt out = Encode(doc, "generic-58-kanji");
  const Bytes expected = Concat({kInit58Kanji,
                                 {0x1C, '&', 0x97, 0x4C, 0x8C, 0xF8, 0x8A, 0xFA, 0x8C, 0xC0, 0x1C,
                                  '.', ' ', '2', '0', '2', '5', 0x0A}});
  CHECK(out.bytes == expected);
  CHECK(out.native_text_lines == 1);
  CHECK(out.raster_text_lines == 0);
}

// The single-byte text of a job: what is left outside the initialisation, `GS v 0` images and
// kanji mode (`FS &` ... `FS .`). For documents of unstyled lines only.
Bytes SingleByteText(const Bytes& job) {
  REQUIRE(job.size() >= kInit58Kanji.size());
  const Bytes body = WithoutRasterData(
      ByteView(job).subspan(kInit58Kanji.size(), job.size() - kInit58Kanji.size()));
  Bytes out;
  bool kanji = false;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == 0x1C && i + 1 < body.size() && (body[i + 1] == '&' || body[i + 1] == '.')) {
      kanji = body[i + 1] == '&';
      ++i;
    } else if (body[i] == 0x1D && i + 8 <= body.size() && body[i + 1] == 'v') {
      i += 7;  // the GS v 0 header; its data is gone already
    } else if (kanji) {
      ++i;  // the trail byte of a kanji
    } else {
      out.push_back(body[i]);
    }
  }
  return out;
}

TEST_CASE("¥ prints as the kanji ￥ (81 8F): a single byte 9D would swallow the next digit") {
  Document doc;
  doc.Text("¥1,210");
  const Bytes expected =
      Concat({kInit58Kanji, {0x1C, '&', 0x81, 0x8F, 0x1C, '.', '1', ',', '2', '1', '0', 0x0A}});
  CHECK(Encode(doc, "generic-58-kanji").bytes == expected);
}

TEST_CASE("Half-width katakana print natively from the katakana page as A1-DF") {
  Document doc;
  doc.Text("ﾎﾟｲﾝﾄ 500");
  const EncodedReceipt out = Encode(doc, "generic-58-kanji");
  CHECK(out.bytes ==
        Concat({kInit58Kanji, {0xCE, 0xDF, 0xB2, 0xDD, 0xC4, ' ', '5', '0', '0', 0x0A}}));
  CHECK(out.raster_text_lines == 0);
}

TEST_CASE("° ± × ÷ § ¶ ¢ £ ¬ print as their JIS X 0208 kanji on kanji printers") {
  Document doc;
  doc.Text("°±×÷§¶¢£¬");
  const EncodedReceipt out = Encode(doc, "generic-58-kanji");
  CHECK(out.bytes == Concat({kInit58Kanji, {0x1C, '&',  0x81, 0x8B, 0x81, 0x7D, 0x81, 0x7E,
                                            0x81, 0x80, 0x81, 0x98, 0x81, 0xF7, 0x81, 0x91,
                                            0x81, 0x92, 0x81, 0xCA, 0x1C, '.',  0x0A}}));
}

TEST_CASE("A kanji printer never gets a single byte in a Shift_JIS lead range") {
  PrinterProfile pc437 = Profile("generic-58-kanji");
  pc437.code_page = CodePage::kPc437;  // a profile whose code page has letters on lead bytes
  Document doc;
  for (char32_t c = 0xA0; c <= 0x17F; ++c) doc.Text("a" + EncodeUtf8(std::u32string(1, c)) + "1");
  for (char32_t c = 0xFF61; c <= 0xFF9F; ++c) doc.Text(EncodeUtf8(std::u32string(1, c)));
  for (const PrinterProfile& profile :
       {Profile("generic-58-kanji"), Profile("generic-80-kanji"), pc437}) {
    INFO(profile.name << " code page " << static_cast<int>(profile.code_page));
    EscPosEncoder encoder(profile);
    auto out = encoder.Encode(doc);
    REQUIRE(out);
    const Bytes text = SingleByteText(out->bytes);
    CHECK(std::none_of(text.begin(), text.end(), IsShiftJisLeadByte));
    CHECK(out->native_text_lines + out->raster_text_lines == 0xE0 + 0x3F);
  }
  // é is 0x82 in PC437: on this profile it goes to the raster fallback instead.
  Document e_acute;
  e_acute.Text("é");
  EscPosEncoder encoder(pc437);
  auto out = encoder.Encode(e_acute);
  REQUIRE(out);
  CHECK(out->raster_text_lines == 1);
}

GlyphRasterizer& Fonts() {
  static std::unique_ptr<GlyphRasterizer> fonts = [] {
    auto opened = GlyphRasterizer::Open();
    REQUIRE(opened);
    return std::move(*opened);
  }();
  return *fonts;
}

// A character's cell as the raster fallback draws it (24 x 24 dots for a full-width one).
Bitmap GridCell(std::string_view utf8) {
  TextRenderOptions options;
  options.pixel_width = 24;
  options.column_dots = 12;
  auto cell = Fonts().RenderText(utf8, options);
  REQUIRE(cell);
  return *cell;
}

TEST_CASE("𠮷, 髙, 﨑 and ① are never printed as '?': their lines go to a raster image") {
  for (const char* text : {"𠮷野家", "髙橋", "山﨑", "① 本日限り"}) {
    INFO(text);
    Document doc;
    doc.Text(text);
    const EncodedReceipt out = Encode(doc, "generic-58-kanji");
    CHECK(out.raster_text_lines == 1);
    CHECK(out.native_text_lines == 0);
    const Bytes commands = WithoutRasterData(out.bytes);
    CHECK(std::find(commands.begin(), commands.end(), uint8_t{'?'}) == commands.end());
    CHECK_FALSE(Contains(commands, {0x1C, '&'}));
    const auto rasters = Rasters(out.bytes);
    REQUIRE(rasters.size() == 1);
    CHECK(rasters[0].height() == 30);  // one line at the profile's line spacing
  }
}

TEST_CASE("The raster of 𠮷, 髙, 﨑 and ① is their glyph, not the font's empty .notdef box") {
  // Unassigned code points: every font draws them as .notdef, as a missing glyph would look, in
  // a full-width (U+3097) or half-width (U+E000) cell.
  const Bitmap wide_box = GridCell("\u3097");
  const Bitmap narrow_box = GridCell("\uE000");
  REQUIRE(wide_box.width() == 24);
  REQUIRE(narrow_box.width() == 12);
  REQUIRE(narrow_box.CountBlack() > 0);
  for (const char* text : {"𠮷", "髙", "﨑", "①"}) {
    INFO(text);
    Document doc;
    doc.Text(text);
    const auto rasters = Rasters(Encode(doc, "generic-58-kanji").bytes);
    REQUIRE(rasters.size() == 1);
    const Bitmap& box = std::string_view(text) == "①" ? narrow_box : wide_box;
    const Bitmap drawn = rasters[0].Cropped(0, 0, box.width(), box.height());
    CHECK(drawn.CountBlack() > 20);
    CHECK(drawn != box);
  }
}

TEST_CASE("A character no installed font has is refused with its code point, never a box") {
  for (char32_t c : {U'\uE000', U'\u0378', U'\U0001F363'}) {
    INFO(static_cast<uint32_t>(c));
    REQUIRE_FALSE(Fonts().HasGlyph(c));
    for (const char* profile : {"generic-58-kanji", "generic-58-raster-only"}) {
      Document doc;
      doc.Text(EncodeUtf8(std::u32string(1, c)) + " sushi");
      EscPosEncoder encoder(Profile(profile), &Fonts());
      auto out = encoder.Encode(doc);
      REQUIRE_FALSE(out);
      CHECK(out.error().code() == ErrorCode::kInvalidArgument);
      CHECK(out.error().detail() == static_cast<int64_t>(c));
      CHECK(out.error().domain() == ErrorDomain::kCodePoint);
    }
  }
}

TEST_CASE("Zero-width characters are not drawn and keep a line native") {
  Document doc;
  doc.Text("a\u200Db\uFE0F c\u0301").Text("有効\u200B期限");
  const EncodedReceipt out = Encode(doc, "generic-58-kanji");
  CHECK(out.raster_text_lines == 0);
  CHECK(out.bytes ==
        Concat({kInit58Kanji,
                BytesOf("ab c\n"),
                {0x1C, '&', 0x97, 0x4C, 0x8C, 0xF8, 0x8A, 0xFA, 0x8C, 0xC0, 0x1C, '.', 0x0A}}));
}

TEST_CASE("A line of only zero-width characters is a plain line feed, not a 0-dot raster") {
  for (const char* profile : {"generic-58-kanji", "generic-58-raster-only"}) {
    INFO(profile);
    Document doc;
    doc.Text("\u200B").Text("\u200D\uFE0F");
    const EncodedReceipt out = Encode(doc, profile);
    CHECK(Rasters(out.bytes).empty());
    CHECK(out.native_text_lines == 2);
    const Bytes init = Encode(Document{}, profile).bytes;
    CHECK(out.bytes == Concat({init, {0x0A, 0x0A}}));
  }
}

TEST_CASE("The raster fallback draws the same line the kanji mode would, at 24 dots per kanji") {
  Document doc;
  doc.Text("髙橋 様");  // 2 + 2 + 1 + 2 columns
  const auto rasters = Rasters(Encode(doc, "generic-58-kanji").bytes);
  REQUIRE(rasters.size() == 1);
  // Packed rows round the width up to whole bytes; the ink stays inside the 7 columns.
  CHECK(rasters[0].width() == (7 * 12 + 7) / 8 * 8);
  CHECK(rasters[0].Cropped(7 * 12, 0, 8, 30).CountBlack() == 0);
  CHECK(rasters[0].Cropped(6 * 12, 0, 12, 30).CountBlack() > 0);
}

TEST_CASE("A raster-only printer gets every non-ASCII line as an image, ASCII natively") {
  Document doc;
  doc.Text("有効期限").Text("Total 1,210");
  const EncodedReceipt out = Encode(doc, "generic-58-raster-only");
  CHECK(out.raster_text_lines == 1);
  CHECK(out.native_text_lines == 1);
  CHECK_FALSE(Contains(out.bytes, {0x1C, '&'}));
  CHECK(Contains(out.bytes, BytesOf("Total 1,210\n")));
}

TEST_CASE("Long lines wrap at the paper width, full-width characters counting two columns") {
  SECTION("ASCII on 58 mm: 32 columns, breaking at a space") {
    Document doc;
    doc.Text("aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd");  // 43 columns
    const EncodedReceipt out = Encode(doc, "generic-58-kanji");
    CHECK(out.native_text_lines == 2);
    CHECK(Contains(out.bytes, BytesOf("aaaaaaaaaa bbbbbbbbbb cccccccccc\n")));
    CHECK(Contains(out.bytes, BytesOf("dddddddddd\n")));
  }
  SECTION("20 kanji on 58 mm: 16 on the first line, 4 on the second") {
    Document doc;
    doc.Text("現金との引き換えはできません現金との引き");
    const EncodedReceipt out = Encode(doc, "generic-58-kanji");
    CHECK(out.native_text_lines == 2);
    CHECK(Count(out.bytes, {0x1C, '&'}) == 2);
  }
  SECTION("the same 20 kanji fit one line of 80 mm paper (48 columns)") {
    Document doc;
    doc.Text("現金との引き換えはできません現金との引き");
    CHECK(Encode(doc, "generic-80-kanji").native_text_lines == 1);
  }
  SECTION("double width halves the columns") {
    TextStyle wide;
    wide.width_scale = 2;
    Document doc;
    doc.Text(std::string(20, 'x'), wide);
    CHECK(Encode(doc, "generic-58-kanji").native_text_lines == 2);
  }
  SECTION("explicit newlines start new lines") {
    Document doc;
    doc.Text("a\nb\n");
    CHECK(Encode(doc, "generic-58-kanji").native_text_lines == 3);
  }
}

// `FS &`, the Shift_JIS codes of `utf8` (all JIS X 0208), `FS .`.
Bytes KanjiRun(std::string_view utf8) {
  Bytes out = {0x1C, '&'};
  auto chars = DecodeUtf8(utf8);
  REQUIRE(chars);
  for (char32_t c : *chars) {
    auto code = ShiftJisOf(c);
    REQUIRE(code);
    out.push_back(static_cast<uint8_t>(*code >> 8));
    out.push_back(static_cast<uint8_t>(*code & 0xFF));
  }
  out.insert(out.end(), {0x1C, '.'});
  return out;
}

TEST_CASE("Japanese text wraps by the line-breaking rules and fills 58 mm lines") {
  Document doc;
  doc.Text("ご利用条件: さくら市内の加盟店でご利用いただけます。現金との引き換えはできません。");
  const EncodedReceipt out = Encode(doc, "generic-58-kanji");
  CHECK(out.native_text_lines == 3);
  CHECK(out.bytes == Concat({kInit58Kanji,
                             KanjiRun("ご利用条件"),
                             BytesOf(": "),
                             KanjiRun("さくら市内の加盟店で"),
                             {0x0A},
                             KanjiRun("ご利用いただけます。現金との引き"),
                             {0x0A},
                             KanjiRun("換えはできません。"),
                             {0x0A}}));
  Document period;
  period.Text("現金との引き換えはできませんので。");
  CHECK(Encode(period, "generic-58-kanji").bytes ==
        Concat({kInit58Kanji,
                KanjiRun("現金との引き換えはできませんの"),
                {0x0A},
                KanjiRun("で。"),
                {0x0A}}));
}

TEST_CASE("Control characters in text are refused so data cannot inject printer commands") {
  Document doc;
  doc.Text("name\x1B@");
  EscPosEncoder encoder(Profile("generic-58-kanji"));
  auto out = encoder.Encode(doc);
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Malformed UTF-8 and out-of-range styles are refused") {
  EscPosEncoder encoder(Profile("generic-58-kanji"));
  Document bad_utf8;
  bad_utf8.Text("\xE6\x9C");
  CHECK_FALSE(encoder.Encode(bad_utf8));
  TextStyle huge;
  huge.width_scale = 9;
  Document bad_style;
  bad_style.Text("x", huge);
  CHECK_FALSE(encoder.Encode(bad_style));
}

TEST_CASE("A native QR code is sent as GS ( k model 2 with the chosen module size and level") {
  Document doc;
  doc.AddQr(QrCode{"HELLO", QrErrorCorrection::kM, 0, Alignment::kCenter});
  const EncodedReceipt out = Encode(doc, "generic-58-kanji");
  REQUIRE(out.qr_codes.size() == 1);
  const QrPlacement& qr = out.qr_codes[0];
  CHECK(qr.version == 1);
  CHECK(qr.module_dots == 8);
  CHECK(qr.native);
  CHECK(qr.verified);
  const Bytes expected = Concat({kInit58Kanji,
                                 {0x1B, 'a', 1, 0x1B, 'J', 32},
                                 {0x1D, '(', 'k', 4, 0, '1', 'A', '2', 0},
                                 {0x1D, '(', 'k', 3, 0, '1', 'C', 8},
                                 {0x1D, '(', 'k', 3, 0, '1', 'E', '1'},
                                 {0x1D, '(', 'k', 8, 0, '1', 'P', '0', 'H', 'E', 'L', 'L', 'O'},
                                 {0x1D, '(', 'k', 3, 0, '1', 'Q', '0'},
                                 {0x1B, 'J', 32}});
  CHECK(out.bytes == expected);
}

TEST_CASE("Voucher QR: version 5, module 8 dots on 58 mm and 80 mm (capped), quiet zone inside") {
  for (const char* name : {"generic-58-kanji", "generic-80-kanji"}) {
    INFO(name);
    Document doc;
    doc.AddQr(QrCode{golden::VoucherPayload()});
    const EncodedReceipt out = Encode(doc, name);
    REQUIRE(out.qr_codes.size() == 1);
    CHECK(out.qr_codes[0].version == 5);
    CHECK(out.qr_codes[0].mode == QrMode::kAlphanumeric);
    CHECK(out.qr_codes[0].module_dots == 8);
    CHECK(out.qr_codes[0].side_dots == 360);
    CHECK(out.qr_codes[0].side_dots <= Profile(name).printable_dots);
  }
}

TEST_CASE("A raster QR code in the job decodes back to the payload") {
  Document doc;
  doc.Text("券番号").AddQr(QrCode{golden::VoucherPayload()});
  const EncodedReceipt out = Encode(doc, "generic-58-kanji-raster-qr");
  REQUIRE(out.qr_codes.size() == 1);
  CHECK_FALSE(out.qr_codes[0].native);
  CHECK_FALSE(Contains(out.bytes, {0x1D, '(', 'k'}));
  const auto rasters = Rasters(out.bytes);
  REQUIRE(rasters.size() == 1);
  CHECK(rasters[0].width() <= 384);
  CHECK(rasters[0].height() == 360);
  CHECK(DecodeQr(rasters[0]) == golden::VoucherPayload());
}

TEST_CASE("A QR code too big for 58 mm paper is an error there and prints on 80 mm") {
  // 1000 bytes at level M: version 28 (129 modules); 137 with the quiet zone > 384 / 3.
  Document doc;
  doc.AddQr(QrCode{std::string(1000, 'x'), QrErrorCorrection::kM});
  EscPosEncoder narrow(Profile("generic-58-kanji"));
  auto out = narrow.Encode(doc);
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == ErrorCode::kOutOfRange);
  const EncodedReceipt wide = Encode(doc, "generic-80-kanji");
  REQUIRE(wide.qr_codes.size() == 1);
  CHECK(wide.qr_codes[0].module_dots == 4);
}

TEST_CASE("A QR code with a module size below the profile's minimum is refused") {
  Document doc;
  doc.AddQr(QrCode{golden::VoucherPayload(), QrErrorCorrection::kM, 1});
  for (const char* name : {"generic-58-kanji", "generic-58-kanji-raster-qr"}) {
    INFO(name);
    EscPosEncoder encoder(Profile(name));
    auto out = encoder.Encode(doc);
    REQUIRE_FALSE(out);
    CHECK(out.error().code() == ErrorCode::kOutOfRange);
  }
}

TEST_CASE("A native CODE128 barcode is GS k 73 with code set B and '{' escaped") {
  Document doc;
  doc.AddBarcode(Barcode{"A{1", Barcode::Symbology::kCode128, 50, 2, false, Alignment::kLeft});
  const Bytes expected = Concat({kInit58Kanji,
                                 {0x1D, 'h', 50, 0x1D, 'w', 2, 0x1D, 'H', 0},
                                 {0x1D, 'k', 73, 6, '{', 'B', 'A', '{', '{', '1'}});
  CHECK(Encode(doc, "generic-58-kanji").bytes == expected);
}

// The GS k 73 command the encoder sends for `data` (module 2, height 50, no HRI, left).
Bytes NativeCode128(std::string_view data) {
  Document doc;
  doc.AddBarcode(
      Barcode{std::string(data), Barcode::Symbology::kCode128, 50, 2, false, Alignment::kLeft});
  const Bytes job = Encode(doc, "generic-58-kanji").bytes;
  const Bytes setup = Concat({kInit58Kanji, {0x1D, 'h', 50, 0x1D, 'w', 2, 0x1D, 'H', 0}});
  REQUIRE(job.size() > setup.size());
  CHECK(Bytes(job.begin(), job.begin() + static_cast<std::ptrdiff_t>(setup.size())) == setup);
  return Bytes(job.begin() + static_cast<std::ptrdiff_t>(setup.size()), job.end());
}

TEST_CASE("Native CODE128 puts runs of digits in code set C, two digits a symbol") {
  // All digits: code set C throughout.
  CHECK(NativeCode128("12345678901234") ==
        Bytes{0x1D, 'k', 73, 9, '{', 'C', 12, 34, 56, 78, 90, 12, 34});
  // Four digits at the end are worth a switch; four inside are not.
  CHECK(NativeCode128("SB-0042-0401") ==
        Concat({{0x1D, 'k', 73, 14}, BytesOf("{BSB-0042-"), {'{', 'C', 4, 1}}));
  // Odd runs: the digit next to the text stays in code set B.
  CHECK(NativeCode128("12345AB") ==
        Bytes{0x1D, 'k', 73, 9, '{', 'C', 12, 34, '{', 'B', '5', 'A', 'B'});
  CHECK(NativeCode128("AB12345") ==
        Bytes{0x1D, 'k', 73, 9, '{', 'B', 'A', 'B', '1', '{', 'C', 23, 45});
  CHECK(NativeCode128("7") == Bytes{0x1D, 'k', 73, 3, '{', 'B', '7'});
}

TEST_CASE("A long all-digit CODE128 fits 58 mm in code set C where set B would not") {
  // 24 digits at 2 dots a module: code set B would take 319 modules (638 dots), set C 187.
  const std::string digits = "202504010042123456789012";
  Document doc;
  doc.AddBarcode(Barcode{digits, Barcode::Symbology::kCode128, 60, 2, true, Alignment::kCenter});
  for (const char* profile : {"generic-58-kanji", "generic-58-raster-only"}) {
    INFO(profile);
    EscPosEncoder encoder(Profile(profile));
    auto out = encoder.Encode(doc);
    REQUIRE(out);
    if (std::string_view(profile) == "generic-58-raster-only") {
      const auto rasters = Rasters(out->bytes);
      REQUIRE(rasters.size() == 1);
      CHECK(DecodeCode128(rasters[0]) == digits);
      CHECK(Contains(out->bytes, BytesOf(digits + "\n")));
    }
  }
}

TEST_CASE("A native EAN-13 (JAN) barcode is GS k 67 with 12 digits; the printer adds the check") {
  Document doc;
  doc.AddBarcode(
      Barcode{"490123456789", Barcode::Symbology::kEan13, 60, 2, true, Alignment::kCenter});
  const Bytes expected = Concat({kInit58Kanji,
                                 {0x1B, 'a', 1, 0x1D, 'h', 60, 0x1D, 'w', 2, 0x1D, 'H', 2},
                                 {0x1D, 'k', 67, 12},
                                 BytesOf("490123456789")});
  CHECK(Encode(doc, "generic-58-kanji").bytes == expected);
  // With its check digit the same code is accepted and sent the same way.
  Document checked;
  checked.AddBarcode(
      Barcode{"4901234567894", Barcode::Symbology::kEan13, 60, 2, true, Alignment::kCenter});
  CHECK(Encode(checked, "generic-58-kanji").bytes == expected);
}

TEST_CASE("Without native barcodes the EAN-13 raster decodes to the 13 digits, printed under it") {
  Document doc;
  doc.AddBarcode(Barcode{"490123456789", Barcode::Symbology::kEan13, 60, 3});
  const EncodedReceipt out = Encode(doc, "generic-58-raster-only");
  const auto rasters = Rasters(out.bytes);
  REQUIRE(rasters.size() == 1);
  CHECK(DecodeEan13(rasters[0]) == std::string("4901234567894"));
  CHECK(Contains(out.bytes, BytesOf("4901234567894\n")));
}

TEST_CASE("EAN-13 data with a wrong check digit, not digits or too wide is refused") {
  EscPosEncoder encoder(Profile("generic-58-kanji"));
  for (const char* data : {"4901234567890", "49012345678", "49012345678X", ""}) {
    INFO(data);
    Document doc;
    doc.AddBarcode(Barcode{data, Barcode::Symbology::kEan13});
    auto out = encoder.Encode(doc);
    REQUIRE_FALSE(out);
    CHECK(out.error().code() == ErrorCode::kInvalidArgument);
  }
  Document wide;  // 113 modules x 4 dots = 452 > 384
  wide.AddBarcode(Barcode{"490123456789", Barcode::Symbology::kEan13, 60, 4});
  auto too_wide = encoder.Encode(wide);
  REQUIRE_FALSE(too_wide);
  CHECK(too_wide.error().code() == ErrorCode::kOutOfRange);
  CHECK(Encode(wide, "generic-80-kanji").bytes.size() > 0);
  Document thin;
  thin.AddBarcode(Barcode{"490123456789", Barcode::Symbology::kEan13, 60, 1});
  CHECK(encoder.Encode(thin).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Without native barcodes the CODE128 raster decodes and the text prints under it") {
  Document doc;
  doc.AddBarcode(Barcode{"SB-0042"});
  const EncodedReceipt out = Encode(doc, "generic-58-raster-only");
  const auto rasters = Rasters(out.bytes);
  REQUIRE(rasters.size() == 1);
  CHECK(DecodeCode128(rasters[0]) == std::string("SB-0042"));
  CHECK(Contains(out.bytes, BytesOf("SB-0042\n")));
}

TEST_CASE("A barcode wider than the paper is an error") {
  Document doc;
  doc.AddBarcode(Barcode{std::string(40, '7'), Barcode::Symbology::kCode128, 50, 3});
  EscPosEncoder encoder(Profile("generic-58-kanji"));
  auto out = encoder.Encode(doc);
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == ErrorCode::kOutOfRange);
}

TEST_CASE("Images are placed by alignment and refused when wider than the paper") {
  auto image = Bitmap::Create(16, 2);
  REQUIRE(image);
  image->FillRect(0, 0, 16, 2, true);
  Document doc;
  doc.AddImage(*image, Alignment::kRight);
  const auto rasters = Rasters(Encode(doc, "generic-58-kanji").bytes);
  REQUIRE(rasters.size() == 1);
  CHECK(rasters[0].width() == 384);
  CHECK(rasters[0].Get(383, 0));
  CHECK_FALSE(rasters[0].Get(367, 0));

  auto wide = Bitmap::Create(385, 1);
  REQUIRE(wide);
  Document too_wide;
  too_wide.AddImage(*wide);
  EscPosEncoder encoder(Profile("generic-58-kanji"));
  CHECK_FALSE(encoder.Encode(too_wide));
}

TEST_CASE("Tall images are split into GS v 0 bands of at most max_raster_rows") {
  PrinterProfile profile = Profile("generic-58-kanji");
  profile.max_raster_rows = 100;
  auto image = Bitmap::Create(8, 250);
  REQUIRE(image);
  Document doc;
  doc.AddImage(*image, Alignment::kLeft);
  EscPosEncoder encoder(profile);
  auto out = encoder.Encode(doc);
  REQUIRE(out);
  const auto bands = Rasters(out->bytes);
  REQUIRE(bands.size() == 3);
  CHECK(bands[2].height() == 50);
}

TEST_CASE("Rules: dashes across the columns, or a drawn bar") {
  Document doc;
  doc.AddRule().AddRule(Rule{Rule::Kind::kDrawn, 3});
  const EncodedReceipt out = Encode(doc, "generic-80-kanji");
  CHECK(Contains(out.bytes, Concat({Bytes(48, '-'), {0x0A}})));
  const auto rasters = Rasters(out.bytes);
  REQUIRE(rasters.size() == 1);
  CHECK(rasters[0].CountBlack() == 576 * 3);
}

TEST_CASE("A missing font is reported as not found when a line needs the raster fallback") {
  EncodeOptions options;
  options.fonts = {FontFace{"/nonexistent/font.ttc", 0, true}};
  EscPosEncoder encoder(Profile("generic-58-kanji"), nullptr, options);
  // Native text never opens the fonts.
  Document native;
  native.Text("有効期限 2025-09-30");
  CHECK(encoder.Encode(native));
  Document gaiji;
  gaiji.Text("髙橋 様");
  auto out = encoder.Encode(gaiji);
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("A bad profile is refused") {
  PrinterProfile profile = Profile("generic-58-kanji");
  profile.columns = 48;  // 48 x 12 > 384
  EscPosEncoder encoder(profile);
  auto out = encoder.Encode(Document{});
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(PrinterProfile::Named("no-such-printer"));
}

}  // namespace
}  // namespace mykey::receipt
