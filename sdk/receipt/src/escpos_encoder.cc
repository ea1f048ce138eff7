#include "mykey/receipt/escpos_encoder.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "mykey/receipt/text.h"

namespace mykey::receipt {

namespace {

constexpr uint8_t kEsc = 0x1B;
constexpr uint8_t kGs = 0x1D;
constexpr uint8_t kFs = 0x1C;
constexpr uint8_t kLf = 0x0A;

// How one character of a text line will be printed.
struct Cell {
  char32_t c = 0;
  // kInvisible: zero width (combining mark, joiner, variation selector): never drawn.
  enum class Kind : uint8_t { kByte, kKanji, kRaster, kInvisible } kind = Kind::kByte;
  uint16_t code = 0;  // the byte, or the Shift_JIS code
  int columns = 1;
};

uint8_t Lo(int v) {
  return static_cast<uint8_t>(v & 0xFF);
}
uint8_t Hi(int v) {
  return static_cast<uint8_t>((v >> 8) & 0xFF);
}

int AlignmentOffset(Alignment alignment, int content, int width) {
  switch (alignment) {
    case Alignment::kLeft: return 0;
    case Alignment::kCenter: return std::max(0, (width - content) / 2);
    case Alignment::kRight: return std::max(0, width - content);
  }
  return 0;
}

bool IsControl(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// CODE128 data for `GS k 73`: "{B" + text ('{' doubled), "{C" + one byte (0..99) per digit
// pair. Code set C takes a run of digits where it saves symbols: 4 or more at the start or the
// end, 6 or more inside, 2 or more when the data is only digits; of an odd run, the digit next
// to the text stays in code set B.
struct Code128Plan {
  std::string escpos;
  int symbols = 0;  // start, code set switches and data, without the check symbol
};

Code128Plan PlanCode128(std::string_view data) {
  Code128Plan plan;
  std::string text;  // characters waiting for code set B
  const auto flush_text = [&] {
    if (text.empty()) return;
    plan.escpos += "{B";
    ++plan.symbols;
    for (char c : text) {
      plan.escpos.push_back(c);
      if (c == '{') plan.escpos.push_back('{');  // '{' starts a code set switch: escape it
      ++plan.symbols;
    }
    text.clear();
  };
  size_t i = 0;
  while (i < data.size()) {
    if (!IsDigit(data[i])) {
      text.push_back(data[i++]);
      continue;
    }
    size_t end = i;
    while (end < data.size() && IsDigit(data[end])) ++end;
    const bool at_start = i == 0;
    const bool at_end = end == data.size();
    const size_t worth = at_start && at_end ? 2 : (at_start || at_end ? 4 : 6);
    if (end - i < worth) {
      text.append(data.substr(i, end - i));
      i = end;
      continue;
    }
    size_t pairs_begin = i;
    size_t pairs_end = end;
    if ((end - i) % 2 == 1) {
      if (at_start) {
        --pairs_end;
      } else {
        text.push_back(data[pairs_begin++]);
      }
    }
    flush_text();
    plan.escpos += "{C";
    ++plan.symbols;
    for (size_t k = pairs_begin; k < pairs_end; k += 2) {
      plan.escpos.push_back(static_cast<char>((data[k] - '0') * 10 + (data[k + 1] - '0')));
      ++plan.symbols;
    }
    if (pairs_end < end) text.push_back(data[pairs_end]);
    i = end;
  }
  flush_text();
  return plan;
}

}  // namespace

struct EscPosEncoder::Job {
  EscPosEncoder& encoder;
  const PrinterProfile& p;
  EncodedReceipt out;
  Alignment alignment = Alignment::kLeft;
  int width_scale = 1;
  int height_scale = 1;
  bool bold = false;
  bool underline = false;

  void Put(std::initializer_list<uint8_t> bytes) {
    out.bytes.insert(out.bytes.end(), bytes.begin(), bytes.end());
  }

  void Init() {
    Put({kEsc, '@'});
    Put({kEsc, '3', static_cast<uint8_t>(p.line_spacing_dots)});
    if (p.code_page != CodePage::kAsciiOnly) {
      Put({kEsc, 't', static_cast<uint8_t>(p.code_page)});
    }
    Put({kEsc, 'R', 0});              // international character set USA: 0x5C is '\', not '¥'
    if (p.kanji) Put({kFs, 'C', 1});  // kanji codes are Shift_JIS
  }

  void SetAlignment(Alignment a) {
    if (a == alignment) return;
    alignment = a;
    Put({kEsc, 'a', static_cast<uint8_t>(a)});
  }

  void SetStyle(const TextStyle& style) {
    SetAlignment(style.alignment);
    if (style.width_scale != width_scale || style.height_scale != height_scale) {
      width_scale = style.width_scale;
      height_scale = style.height_scale;
      Put({kGs, '!', static_cast<uint8_t>(((width_scale - 1) << 4) | (height_scale - 1))});
    }
    if (style.bold != bold) {
      bold = style.bold;
      Put({kEsc, 'E', static_cast<uint8_t>(bold ? 1 : 0)});
    }
    if (style.underline != underline) {
      underline = style.underline;
      Put({kEsc, '-', static_cast<uint8_t>(underline ? 1 : 0)});
      if (p.kanji) Put({kFs, '-', static_cast<uint8_t>(underline ? 1 : 0)});
    }
  }

  // `GS v 0` in bands of at most max_raster_rows.
  void PutRaster(const Bitmap& bitmap) {
    const int width_bytes = (bitmap.width() + 7) / 8;
    for (int top = 0; top < bitmap.height(); top += p.max_raster_rows) {
      const int rows = std::min(p.max_raster_rows, bitmap.height() - top);
      const Bitmap band = bitmap.Cropped(0, top, bitmap.width(), rows);
      Put({kGs, 'v', '0', 0, Lo(width_bytes), Hi(width_bytes), Lo(rows), Hi(rows)});
      const Bytes packed = band.PackRows();
      out.bytes.insert(out.bytes.end(), packed.begin(), packed.end());
    }
  }

  // Sends `content` as a raster placed on a canvas as wide as the alignment needs (no right
  // padding). Printers apply ESC a to GS v 0 too, so the justification goes back to left first:
  // otherwise a raster after a centred text line would be centred twice.
  Status PutAligned(const Bitmap& content, Alignment a) {
    const int offset = AlignmentOffset(a, content.width(), p.printable_dots);
    MYKEY_ASSIGN_OR_RETURN(Bitmap canvas,
                           Bitmap::Create(offset + content.width(), content.height()));
    canvas.Draw(content, offset, 0);
    SetAlignment(Alignment::kLeft);
    PutRaster(canvas);
    return Ok();
  }

  Cell Classify(char32_t c) const {
    Cell cell;
    cell.c = c;
    if (EastAsianWidth(c) == 0) {
      cell.kind = Cell::Kind::kInvisible;
      cell.columns = 0;
      return cell;
    }
    // With Shift_JIS selected, a single byte in a lead range would swallow the next byte.
    if (std::optional<uint8_t> byte = CodePageByteOf(c, p.code_page);
        byte && !(p.kanji && IsShiftJisLeadByte(*byte))) {
      cell.kind = Cell::Kind::kByte;
      cell.code = *byte;
      cell.columns = 1;
      return cell;
    }
    if (p.kanji) {
      if (std::optional<uint16_t> sjis = ShiftJisOf(c)) {
        cell.kind = Cell::Kind::kKanji;
        cell.code = *sjis;
        cell.columns = 2;
        return cell;
      }
    }
    cell.kind = Cell::Kind::kRaster;
    cell.columns = EastAsianWidth(c);
    return cell;
  }

  // Japanese line breaking (see WrapParagraph) over the columns each cell prints in.
  static std::vector<std::vector<Cell>> Wrap(const std::vector<Cell>& cells, int columns) {
    std::u32string text;
    std::vector<int> widths;
    for (const Cell& cell : cells) {
      text.push_back(cell.c);
      widths.push_back(cell.columns);
    }
    std::vector<std::vector<Cell>> lines;
    for (const LineSpan& span : WrapParagraph(text, widths, columns)) {
      lines.emplace_back(cells.begin() + static_cast<std::ptrdiff_t>(span.begin),
                         cells.begin() + static_cast<std::ptrdiff_t>(span.end));
    }
    return lines;
  }

  Status Text(const TextLine& text) {
    const TextStyle& style = text.style;
    if (style.width_scale < 1 || style.width_scale > 8 || style.height_scale < 1 ||
        style.height_scale > 8) {
      return Fail(ErrorCode::kInvalidArgument, "text scale must be 1..8");
    }
    const int columns = p.columns / style.width_scale;
    if (columns < 2) {
      return Fail(ErrorCode::kInvalidArgument, "text too wide for the paper at this scale");
    }
    MYKEY_ASSIGN_OR_RETURN(std::u32string chars, DecodeUtf8(text.utf8));
    std::vector<Cell> paragraph;
    for (size_t i = 0; i <= chars.size(); ++i) {
      if (i == chars.size() || chars[i] == U'\n') {
        for (const std::vector<Cell>& line : Wrap(paragraph, columns)) {
          MYKEY_TRY(Line(line, style));
        }
        paragraph.clear();
        continue;
      }
      char32_t c = chars[i];
      if (c == U'\t') c = U' ';
      if (IsControl(c)) {
        return Fail(ErrorCode::kInvalidArgument, "control character in receipt text",
                    ErrorDomain::kParse, static_cast<int64_t>(i));
      }
      paragraph.push_back(Classify(c));
    }
    return Ok();
  }

  Status Line(const std::vector<Cell>& cells, const TextStyle& style) {
    std::vector<Cell> line;
    std::copy_if(cells.begin(), cells.end(), std::back_inserter(line),
                 [](const Cell& c) { return c.kind != Cell::Kind::kInvisible; });
    // A line of nothing visible is a plain line feed (a raster would be 0 dots wide).
    const bool native = std::none_of(line.begin(), line.end(),
                                     [](const Cell& c) { return c.kind == Cell::Kind::kRaster; });
    if (!native) return RasterLine(line, style);
    SetStyle(style);
    bool in_kanji = false;
    for (const Cell& cell : line) {
      if (cell.kind == Cell::Kind::kKanji) {
        if (!in_kanji) Put({kFs, '&'});
        in_kanji = true;
        Put({Hi(cell.code), Lo(cell.code)});
      } else {
        if (in_kanji) Put({kFs, '.'});
        in_kanji = false;
        Put({Lo(cell.code)});
      }
    }
    if (in_kanji) Put({kFs, '.'});
    Put({kLf});
    ++out.native_text_lines;
    return Ok();
  }

  Status RasterLine(const std::vector<Cell>& line, const TextStyle& style) {
    MYKEY_ASSIGN_OR_RETURN(GlyphRasterizer * rasterizer, encoder.Rasterizer());
    std::u32string chars;
    for (const Cell& cell : line) {
      // Without a glyph the font would draw its empty .notdef box: refuse rather than print
      // something that is not the text.
      if (cell.kind == Cell::Kind::kRaster && !rasterizer->HasGlyph(cell.c)) {
        return Fail(ErrorCode::kInvalidArgument,
                    "no installed font has a glyph for this character of the text",
                    ErrorDomain::kCodePoint, static_cast<int64_t>(cell.c));
      }
      chars.push_back(cell.c);
    }
    TextRenderOptions options;
    options.pixel_height = p.font_a_height_dots * style.height_scale;
    options.pixel_width = p.font_a_width_dots * 2 * style.width_scale;
    options.bold = style.bold;
    options.column_dots = p.font_a_width_dots * style.width_scale;
    MYKEY_ASSIGN_OR_RETURN(Bitmap text, rasterizer->RenderText(EncodeUtf8(chars), options));
    // As tall as a printed text line: the line spacing, or the characters if they are taller.
    const int height = std::max(p.line_spacing_dots, options.pixel_height);
    MYKEY_ASSIGN_OR_RETURN(Bitmap row, Bitmap::Create(text.width(), height));
    row.Draw(text, 0, 0);
    if (style.underline) row.FillRect(0, options.pixel_height - 1, text.width(), 1, true);
    MYKEY_TRY(PutAligned(row, style.alignment));
    ++out.raster_text_lines;
    return Ok();
  }

  Status Rule(const receipt::Rule& rule) {
    if (rule.kind == Rule::Kind::kDashes) {
      TextLine dashes;
      dashes.utf8.assign(static_cast<size_t>(p.columns), '-');
      return Text(dashes);
    }
    if (rule.thickness_dots < 1 || rule.thickness_dots > 24) {
      return Fail(ErrorCode::kInvalidArgument, "rule thickness must be 1..24 dots");
    }
    const int height = std::max(p.line_spacing_dots, rule.thickness_dots);
    MYKEY_ASSIGN_OR_RETURN(Bitmap bar, Bitmap::Create(p.printable_dots, height));
    bar.FillRect(0, (height - rule.thickness_dots) / 2, p.printable_dots, rule.thickness_dots,
                 true);
    return PutAligned(bar, Alignment::kLeft);
  }

  Status Image(const receipt::Image& image) {
    if (image.bitmap.empty()) return Fail(ErrorCode::kInvalidArgument, "empty image");
    if (image.bitmap.width() > p.printable_dots) {
      return Fail(ErrorCode::kInvalidArgument, "image wider than the printable width");
    }
    return PutAligned(image.bitmap, image.alignment);
  }

  Status Qr(const QrCode& qr) {
    MYKEY_ASSIGN_OR_RETURN(QrSymbol symbol, QrSymbol::Encode(qr.payload, qr.error_correction));
    MYKEY_ASSIGN_OR_RETURN(
        int module_dots,
        ChooseQrModuleDots(symbol.modules(), p.printable_dots, p.qr_min_module_dots,
                           p.qr_max_module_dots, qr.module_dots));
    MYKEY_ASSIGN_OR_RETURN(Bitmap raster, symbol.Render(module_dots));
    QrPlacement placement;
    placement.version = symbol.version();
    placement.modules = symbol.modules();
    placement.module_dots = module_dots;
    placement.side_dots = raster.width();
    placement.mode = symbol.mode();
    placement.native = p.native_qr;
    if (encoder.options_.verify_qr) {
      MYKEY_TRY(VerifyQrRaster(raster, qr.payload));
      placement.verified = true;
    }
    if (p.native_qr) {
      // The printer draws the symbol only: feed the quiet zone above and below it ourselves.
      const auto quiet = static_cast<uint8_t>(std::min(255, kQrQuietZoneModules * module_dots));
      SetAlignment(qr.alignment);
      Put({kEsc, 'J', quiet});
      Put({kGs, '(', 'k', 4, 0, '1', 'A', '2', 0});                             // model 2
      Put({kGs, '(', 'k', 3, 0, '1', 'C', static_cast<uint8_t>(module_dots)});  // module size
      Put({kGs, '(', 'k', 3, 0, '1', 'E',
           static_cast<uint8_t>('0' + static_cast<int>(qr.error_correction))});  // EC level
      const int store = static_cast<int>(qr.payload.size()) + 3;
      Put({kGs, '(', 'k', Lo(store), Hi(store), '1', 'P', '0'});
      out.bytes.insert(out.bytes.end(), qr.payload.begin(), qr.payload.end());
      Put({kGs, '(', 'k', 3, 0, '1', 'Q', '0'});  // print the stored symbol
      Put({kEsc, 'J', quiet});
    } else {
      MYKEY_TRY(PutAligned(raster, qr.alignment));
    }
    out.qr_codes.push_back(placement);
    return Ok();
  }

  Status Barcode(const receipt::Barcode& barcode) {
    if (barcode.height_dots < 1 || barcode.height_dots > 255 || barcode.module_dots < 1 ||
        barcode.module_dots > 6) {
      return Fail(ErrorCode::kInvalidArgument, "barcode height or module size out of range");
    }
    switch (barcode.symbology) {
      case Barcode::Symbology::kCode128: return Code128(barcode);
      case Barcode::Symbology::kEan13: return Ean13(barcode);
    }
    return Fail(ErrorCode::kInvalidArgument, "unknown barcode symbology");
  }

  Status Code128(const receipt::Barcode& barcode) {
    if (barcode.data.empty() || barcode.data.size() > 80) {
      return Fail(ErrorCode::kInvalidArgument, "barcode data must be 1..80 characters");
    }
    if (std::any_of(barcode.data.begin(), barcode.data.end(),
                    [](char c) { return c < 0x20 || c > 0x7E; })) {
      return Fail(ErrorCode::kInvalidArgument, "barcode data must be printable ASCII");
    }
    if (p.native_barcode) {
      const Code128Plan plan = PlanCode128(barcode.data);
      // Start, data and code set switches, check (11 modules each), stop (13), quiet zones.
      const int modules = 11 * (plan.symbols + 1) + 13 + 20;
      if (modules * barcode.module_dots > p.printable_dots) {
        return Fail(ErrorCode::kOutOfRange, "barcode does not fit the paper at this module size");
      }
      PutBarcodeSetup(barcode);
      Put({kGs, 'k', 73, static_cast<uint8_t>(plan.escpos.size())});
      out.bytes.insert(out.bytes.end(), plan.escpos.begin(), plan.escpos.end());
      return Ok();
    }
    MYKEY_ASSIGN_OR_RETURN(Bitmap bars,
                           RenderCode128(barcode.data, barcode.module_dots, barcode.height_dots));
    return PutRasterBarcode(bars, barcode, barcode.data);
  }

  Status Ean13(const receipt::Barcode& barcode) {
    MYKEY_ASSIGN_OR_RETURN(std::string digits, Ean13WithCheckDigit(barcode.data));
    if (barcode.module_dots < 2) {
      return Fail(ErrorCode::kInvalidArgument, "EAN-13 module size must be 2..6 dots");
    }
    const int modules = kEan13LeftQuietModules + kEan13Modules + kEan13RightQuietModules;
    if (modules * barcode.module_dots > p.printable_dots) {
      return Fail(ErrorCode::kOutOfRange, "barcode does not fit the paper at this module size");
    }
    if (p.native_barcode) {
      PutBarcodeSetup(barcode);
      // JAN13 (EAN13) with 12 digits: the printer adds the check digit (checked above).
      Put({kGs, 'k', 67, 12});
      out.bytes.insert(out.bytes.end(), digits.begin(), digits.begin() + 12);
      return Ok();
    }
    MYKEY_ASSIGN_OR_RETURN(Bitmap bars,
                           RenderEan13(digits, barcode.module_dots, barcode.height_dots));
    return PutRasterBarcode(bars, barcode, digits);
  }

  void PutBarcodeSetup(const receipt::Barcode& barcode) {
    SetAlignment(barcode.alignment);
    Put({kGs, 'h', static_cast<uint8_t>(barcode.height_dots)});
    Put({kGs, 'w', static_cast<uint8_t>(barcode.module_dots)});
    Put({kGs, 'H', static_cast<uint8_t>(barcode.human_readable ? 2 : 0)});
  }

  // A barcode drawn by us, with its human-readable text as a line under it.
  Status PutRasterBarcode(const Bitmap& bars, const receipt::Barcode& barcode,
                          const std::string& text) {
    if (bars.width() > p.printable_dots) {
      return Fail(ErrorCode::kOutOfRange, "barcode does not fit the paper at this module size");
    }
    MYKEY_TRY(PutAligned(bars, barcode.alignment));
    if (!barcode.human_readable) return Ok();
    TextLine hri;
    hri.utf8 = text;
    hri.style.alignment = barcode.alignment;
    return Text(hri);
  }

  Status Feed(const receipt::Feed& feed) {
    if (feed.lines < 0 || feed.lines > 255) {
      return Fail(ErrorCode::kInvalidArgument, "feed must be 0..255 lines");
    }
    Put({kEsc, 'd', static_cast<uint8_t>(feed.lines)});
    return Ok();
  }

  Status Cut(const receipt::Cut& cut) {
    if (cut.feed_dots < 0 || cut.feed_dots > 255) {
      return Fail(ErrorCode::kInvalidArgument, "cut feed must be 0..255 dots");
    }
    Put({kGs, 'V', static_cast<uint8_t>(cut.kind == Cut::Kind::kFull ? 65 : 66),
         static_cast<uint8_t>(cut.feed_dots)});
    return Ok();
  }

  Status Element(const receipt::Element& element) {
    return std::visit(
        [this](const auto& e) -> Status {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, TextLine>) return Text(e);
          if constexpr (std::is_same_v<T, receipt::Rule>) return Rule(e);
          if constexpr (std::is_same_v<T, receipt::Image>) return Image(e);
          if constexpr (std::is_same_v<T, QrCode>) return Qr(e);
          if constexpr (std::is_same_v<T, receipt::Barcode>) return Barcode(e);
          if constexpr (std::is_same_v<T, receipt::Feed>) return Feed(e);
          if constexpr (std::is_same_v<T, receipt::Cut>) return Cut(e);
        },
        element);
  }
};

EscPosEncoder::EscPosEncoder(PrinterProfile profile, GlyphRasterizer* rasterizer,
                             EncodeOptions options)
    : profile_(std::move(profile)), rasterizer_(rasterizer), options_(options) {}

EscPosEncoder::~EscPosEncoder() = default;

Result<GlyphRasterizer*> EscPosEncoder::Rasterizer() {
  if (rasterizer_ == nullptr) {
    MYKEY_ASSIGN_OR_RETURN(owned_rasterizer_, GlyphRasterizer::Open(options_.fonts));
    rasterizer_ = owned_rasterizer_.get();
  }
  return rasterizer_;
}

Result<EncodedReceipt> EscPosEncoder::Encode(const Document& document) {
  MYKEY_TRY(profile_.Validate());
  Job job{*this, profile_, {}};
  job.Init();
  for (const receipt::Element& element : document.elements()) MYKEY_TRY(job.Element(element));
  return std::move(job.out);
}

Result<Bytes> EncodeEscPos(const Document& document, const PrinterProfile& profile) {
  EscPosEncoder encoder(profile);
  MYKEY_ASSIGN_OR_RETURN(EncodedReceipt encoded, encoder.Encode(document));
  return std::move(encoded.bytes);
}

}  // namespace mykey::receipt
