#include "mykey/vprinter/job_render.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <variant>

#include "barcode_symbols.h"
#include "mykey/base/file.h"
#include "mykey/json/json.h"
#include "mykey/receipt/qr.h"
#include "mykey/receipt/text.h"

namespace mykey::vprinter {
namespace {

using receipt::Bitmap;

// 203 dpi in pixels per metre, for the PNG's pHYs chunk.
constexpr uint32_t kPixelsPerMetre = 8000;

// A drawn block and where it goes.
struct Block {
  Bitmap bitmap;
  int x = 0;
};

Bitmap Blank(int width, int height) {
  auto bitmap = Bitmap::Create(std::max(width, 0), std::max(height, 0));
  return bitmap ? std::move(*bitmap) : Bitmap();
}

int AreaLeft(const Placement& placement, int paper) {
  return std::clamp(placement.left, 0, paper);
}

int AreaWidth(const Placement& placement, int paper) {
  const int room = paper - AreaLeft(placement, paper);
  return placement.width > 0 ? std::min(placement.width, room) : room;
}

// Crops `bitmap` to the print area and places it by the justification.
Block Place(Bitmap bitmap, const Placement& placement, int paper) {
  const int area = std::max(AreaWidth(placement, paper), 1);
  if (bitmap.width() > area) bitmap = bitmap.Cropped(0, 0, area, bitmap.height());
  Block block;
  int offset = 0;
  switch (placement.justification) {
    case Justification::kCenter: offset = (area - bitmap.width()) / 2; break;
    case Justification::kRight: offset = area - bitmap.width(); break;
    case Justification::kLeft: break;
  }
  block.x = AreaLeft(placement, paper) + std::max(0, offset);
  block.bitmap = std::move(bitmap);
  return block;
}

Bitmap Rotated90Clockwise(const Bitmap& in) {
  Bitmap out = Blank(in.height(), in.width());
  for (int y = 0; y < in.height(); ++y) {
    for (int x = 0; x < in.width(); ++x) {
      if (in.Get(x, y)) out.Set(in.height() - 1 - y, x, true);
    }
  }
  return out;
}

Bitmap Rotated180(const Bitmap& in) {
  Bitmap out = Blank(in.width(), in.height());
  for (int y = 0; y < in.height(); ++y) {
    for (int x = 0; x < in.width(); ++x) {
      if (in.Get(x, y)) out.Set(in.width() - 1 - x, in.height() - 1 - y, true);
    }
  }
  return out;
}

void Invert(Bitmap& bitmap) {
  for (int y = 0; y < bitmap.height(); ++y) {
    for (int x = 0; x < bitmap.width(); ++x) bitmap.Set(x, y, !bitmap.Get(x, y));
  }
}

void Outline(Bitmap& bitmap, int x, int y, int w, int h, int thickness) {
  bitmap.FillRect(x, y, w, thickness, true);
  bitmap.FillRect(x, y + h - thickness, w, thickness, true);
  bitmap.FillRect(x, y, thickness, h, true);
  bitmap.FillRect(x + w - thickness, y, thickness, h, true);
}

// The character cell of a span: a half-width column and the height, in dots.
struct Cell {
  int column = 12;
  int height = 24;
};

Cell CellOf(const TextSpan& span) {
  const bool font_b = span.font == 1;
  return {(font_b ? 9 : 12) * span.width_scale, (font_b ? 17 : 24) * span.height_scale};
}

// Characters drawn by the font, in the printer's grid of columns.
Bitmap Glyphs(std::string_view utf8, const TextSpan& span, receipt::GlyphRasterizer* rasterizer) {
  const Cell cell = CellOf(span);
  if (rasterizer != nullptr) {
    receipt::TextRenderOptions options;
    options.pixel_height = cell.height;
    options.pixel_width = 2 * cell.column;
    options.bold = span.bold;
    options.column_dots = cell.column;
    auto drawn = rasterizer->RenderText(utf8, options);
    if (drawn) return std::move(*drawn);
  }
  // No font: each character as an outlined cell.
  auto chars = receipt::DecodeUtf8(utf8);
  if (!chars) return {};
  int width = 0;
  for (char32_t c : *chars) width += cell.column * receipt::EastAsianWidth(c);
  Bitmap out = Blank(width, cell.height);
  int x = 0;
  for (char32_t c : *chars) {
    const int w = cell.column * receipt::EastAsianWidth(c);
    if (c != U' ' && w > 2) Outline(out, x + 1, 1, w - 2, cell.height - 2, 1);
    x += w;
  }
  return out;
}

Bitmap RenderSpan(const TextSpan& span, receipt::GlyphRasterizer* rasterizer) {
  Bitmap out = Blank(span.width_dots, span.height_dots);
  if (span.blank) return out;
  if (span.image) {
    auto image =
        Bitmap::FromPackedRows(span.image->packed, (span.image->width + 7) / 8, span.image->height);
    if (image) out.Draw(*image, 0, out.height() - image->height());
    return out;
  }
  if (!span.rotated && span.right_spacing == 0) {
    const Bitmap glyphs = Glyphs(span.utf8, span, rasterizer);
    out.Draw(glyphs, 0, out.height() - glyphs.height());
  } else {
    // Character by character: each turned (ESC V) and/or followed by its spacing (ESC SP).
    auto chars = receipt::DecodeUtf8(span.utf8);
    int x = 0;
    for (char32_t c : chars ? *chars : std::u32string()) {
      Bitmap glyph = Glyphs(receipt::EncodeUtf8(std::u32string_view(&c, 1)), span, rasterizer);
      if (span.rotated) glyph = Rotated90Clockwise(glyph);
      out.Draw(glyph, x, out.height() - glyph.height());
      x += glyph.width() + span.right_spacing;
    }
  }
  if (span.underline > 0) {
    out.FillRect(0, out.height() - span.underline, out.width(), span.underline, true);
  }
  if (span.reverse) Invert(out);
  return out;
}

Block TextBlock(const PrintedText& text, int paper, receipt::GlyphRasterizer* rasterizer) {
  int width = 0;
  int height = 0;
  for (const TextSpan& span : text.spans) {
    width += span.width_dots;
    height = std::max(height, span.height_dots);
  }
  Bitmap line = Blank(width, height);
  // Spans of different heights share the baseline at the bottom of the line.
  int x = 0;
  for (const TextSpan& span : text.spans) {
    const Bitmap part = RenderSpan(span, rasterizer);
    line.Draw(part, x, height - part.height());
    x += span.width_dots;
  }
  Block block = Place(std::move(line), text.placement, paper);
  if (text.upside_down && !block.bitmap.empty()) {
    // The whole print line turned half round.
    Bitmap strip = Blank(paper, block.bitmap.height());
    strip.Draw(block.bitmap, block.x, 0);
    block.bitmap = Rotated180(strip);
    block.x = 0;
  }
  return block;
}

Block RasterBlock(const PrintedRaster& raster, int paper) {
  auto bitmap = Bitmap::FromPackedRows(raster.packed, raster.width_bytes, raster.height);
  if (!bitmap) return {};
  if (raster.scale_x != 1 || raster.scale_y != 1) {
    auto scaled = bitmap->Scaled(raster.scale_x, raster.scale_y);
    if (!scaled) return {};
    bitmap = std::move(scaled);
  }
  return Place(std::move(*bitmap), raster.placement, paper);
}

Block QrBlock(const PrintedQr& qr, int paper) {
  receipt::QrErrorCorrection level = receipt::QrErrorCorrection::kL;
  switch (qr.level) {
    case 'M': level = receipt::QrErrorCorrection::kM; break;
    case 'Q': level = receipt::QrErrorCorrection::kQ; break;
    case 'H': level = receipt::QrErrorCorrection::kH; break;
    default: break;
  }
  auto symbol = receipt::QrSymbol::Encode(qr.payload, level);
  if (!symbol) return {};
  // A printer prints the symbol without its quiet zone: the paper around it is the zone.
  auto bitmap = symbol->Render(qr.module_dots, 0);
  if (!bitmap) return {};
  return Place(std::move(*bitmap), qr.placement, paper);
}

// The bars of a barcode, or a box where it is not drawn.
Bitmap Bars(const PrintedBarcode& barcode) {
  const int height = std::clamp(barcode.height_dots, 1, 255);
  if (barcode.symbology == "CODE128") {
    auto drawn =
        receipt::RenderCode128(barcode.data, std::clamp(barcode.module_dots, 1, 6), height);
    if (drawn) return std::move(*drawn);
  } else if (!barcode.symbology.empty()) {
    auto runs = EncodeBarcode(barcode.system, barcode.data, barcode.module_dots);
    if (runs) {
      Bitmap bars = Blank(runs->width(), height);
      int x = 0;
      bool bar = true;
      for (int run : runs->runs) {
        if (bar) bars.FillRect(x, 0, run, height, true);
        x += run;
        bar = !bar;
      }
      return bars;
    }
  }
  Bitmap box = Blank(std::max(barcode.width_dots, 4), height);
  Outline(box, 0, 0, box.width(), box.height(), 2);
  return box;
}

Bitmap TextLine(const std::string& utf8, int font, receipt::GlyphRasterizer* rasterizer) {
  TextSpan span;
  span.utf8 = utf8;
  span.font = font;
  const Cell cell = CellOf(span);
  auto chars = receipt::DecodeUtf8(utf8);
  int width = 0;
  for (char32_t c : chars ? *chars : std::u32string()) {
    width += cell.column * receipt::EastAsianWidth(c);
  }
  span.width_dots = width;
  span.height_dots = cell.height;
  return RenderSpan(span, rasterizer);
}

Block BarcodeBlock(const PrintedBarcode& barcode, int paper, receipt::GlyphRasterizer* rasterizer) {
  const Bitmap bars = Bars(barcode);
  Bitmap hri;
  if (barcode.hri != 0) hri = TextLine(barcode.hri_text, barcode.hri_font, rasterizer);
  const bool above = barcode.hri == 1 || barcode.hri == 3;
  const bool below = barcode.hri == 2 || barcode.hri == 3;
  const int width = std::max(bars.width(), hri.width());
  const int height = bars.height() + (above ? hri.height() : 0) + (below ? hri.height() : 0);
  Bitmap drawn = Blank(width, height);
  int y = 0;
  if (above) {
    drawn.Draw(hri, (width - hri.width()) / 2, y);
    y += hri.height();
  }
  drawn.Draw(bars, (width - bars.width()) / 2, y);
  y += bars.height();
  if (below) drawn.Draw(hri, (width - hri.width()) / 2, y);
  return Place(std::move(drawn), barcode.placement, paper);
}

Block PlaceholderBlock(const PrintedPlaceholder& box, int paper,
                       receipt::GlyphRasterizer* rasterizer) {
  Bitmap drawn = Blank(box.width_dots, box.height_dots);
  Outline(drawn, 0, 0, drawn.width(), drawn.height(), 2);
  // The diagonals say "nothing here"; the label says what should have been.
  for (int x = 0; x < drawn.width(); ++x) {
    const int y = x * drawn.height() / std::max(drawn.width(), 1);
    drawn.Set(x, y, true);
    drawn.Set(x, drawn.height() - 1 - y, true);
  }
  Bitmap label = TextLine(box.label, 0, rasterizer);
  if (label.width() > drawn.width() - 8) label = TextLine(box.label, 1, rasterizer);
  const int lx = std::max(4, (drawn.width() - label.width()) / 2);
  const int ly = (drawn.height() - label.height()) / 2;
  drawn.FillRect(lx - 2, ly, std::min(label.width() + 4, drawn.width() - 4), label.height(), false);
  drawn.Draw(label, lx, ly);
  return Place(std::move(drawn), box.placement, paper);
}

uint32_t Crc32(ByteView bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFU;
  for (uint8_t b : bytes) crc = table[(crc ^ b) & 0xFFU] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFU;
}

void AppendBe32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace

Bytes WithPngDensity(Bytes png, uint32_t pixels_per_metre) {
  // Signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC); pHYs must come before IDAT.
  constexpr size_t kAfterIhdr = 8 + 25;
  if (png.size() < kAfterIhdr ||
      std::string_view(reinterpret_cast<const char*>(&png[12]), 4) != "IHDR") {
    return png;
  }
  Bytes chunk;
  AppendBe32(chunk, 9);
  const size_t type_at = chunk.size();
  for (char c : std::string_view("pHYs")) chunk.push_back(static_cast<uint8_t>(c));
  AppendBe32(chunk, pixels_per_metre);
  AppendBe32(chunk, pixels_per_metre);
  chunk.push_back(1);  // the unit is the metre
  AppendBe32(chunk, Crc32(ByteView(chunk).subspan(type_at)));
  png.insert(png.begin() + static_cast<std::ptrdiff_t>(kAfterIhdr), chunk.begin(), chunk.end());
  return png;
}

Result<Bitmap> RenderJob(const PrintedJob& job, receipt::GlyphRasterizer* rasterizer) {
  const int paper = job.paper_dots;
  if (paper < 8 || paper > 4096) {
    return Fail(ErrorCode::kInvalidArgument, "paper width outside 8..4096 dots");
  }
  std::vector<std::pair<Block, int>> blocks;
  long total = 0;
  for (const PrintedElement& element : job.elements) {
    if (total >= Bitmap::kMaxSide) break;
    Block block;
    if (const auto* text = std::get_if<PrintedText>(&element)) {
      block = TextBlock(*text, paper, rasterizer);
    } else if (const auto* raster = std::get_if<PrintedRaster>(&element)) {
      block = RasterBlock(*raster, paper);
    } else if (const auto* qr = std::get_if<PrintedQr>(&element)) {
      block = QrBlock(*qr, paper);
    } else if (const auto* barcode = std::get_if<PrintedBarcode>(&element)) {
      block = BarcodeBlock(*barcode, paper, rasterizer);
    } else if (const auto* box = std::get_if<PrintedPlaceholder>(&element)) {
      block = PlaceholderBlock(*box, paper, rasterizer);
    }
    const int advance = AdvanceDots(element);
    total += advance;
    blocks.emplace_back(std::move(block), advance);
  }
  const int height = static_cast<int>(std::clamp<long>(total, 1, Bitmap::kMaxSide));
  MYKEY_ASSIGN_OR_RETURN(Bitmap page, Bitmap::Create(paper, height));
  int y = 0;
  for (const auto& [block, advance] : blocks) {
    if (y >= height) break;
    if (!block.bitmap.empty()) page.Draw(block.bitmap, block.x, y);
    y += advance;
  }
  return page;
}

std::string JobFileStem(int number) {
  char name[32];
  std::snprintf(name, sizeof name, "job-%04d", number);
  return name;
}

std::string JobSummaryJson(const PrintedJob& job, const std::string& png_name) {
  json::OrderedJson out;
  out["job"] = job.number;
  out["png"] = png_name;
  out["paper_dots"] = job.paper_dots;
  out["page_dots"] = job.page_dots;
  out["bytes_received"] = job.bytes_received;
  out["bytes_dropped"] = job.bytes_dropped;
  out["completed"] = job.completed;
  out["failure"] = job.completed ? json::OrderedJson(nullptr) : json::OrderedJson(job.failure);
  out["cut"] = job.cut;
  out["text_lines"] = job.text_lines;
  json::OrderedJson qr = json::OrderedJson::array();
  json::OrderedJson barcodes = json::OrderedJson::array();
  json::OrderedJson images = json::OrderedJson::array();
  json::OrderedJson placeholders = json::OrderedJson::array();
  size_t rasters = 0;
  for (const PrintedElement& element : job.elements) {
    if (const auto* q = std::get_if<PrintedQr>(&element)) {
      qr.push_back({{"payload", q->payload},
                    {"module_dots", q->module_dots},
                    {"level", std::string(1, q->level)},
                    {"modules", q->modules}});
    } else if (const auto* b = std::get_if<PrintedBarcode>(&element)) {
      barcodes.push_back(
          {{"system", b->system},
           {"symbology",
            b->symbology.empty() ? BarcodeSystemName(b->system) + " (not drawn)" : b->symbology},
           {"data", b->data},
           {"hri", b->hri != 0 ? json::OrderedJson(b->hri_text) : json::OrderedJson(nullptr)}});
    } else if (const auto* r = std::get_if<PrintedRaster>(&element)) {
      ++rasters;
      images.push_back({{"source", r->source},
                        {"width", r->width_bytes * 8 * r->scale_x},
                        {"height", r->height * r->scale_y}});
    } else if (const auto* p = std::get_if<PrintedPlaceholder>(&element)) {
      placeholders.push_back(p->label);
    }
  }
  out["qr_codes"] = qr;
  out["barcodes"] = barcodes;
  out["raster_images"] = rasters;
  out["images"] = images;
  out["placeholders"] = placeholders;
  out["process_ids"] = job.process_ids;
  json::OrderedJson events = json::OrderedJson::array();
  for (const JobEvent& e : job.events) {
    json::OrderedJson event = {
        {"event", JobEventName(e.kind)}, {"page_dots", e.page_dots}, {"job_bytes", e.job_bytes}};
    if (!e.reason.empty()) event["reason"] = e.reason;
    if (e.kind == JobEvent::Kind::kCleared) event["bytes_dropped"] = e.bytes_dropped;
    events.push_back(std::move(event));
  }
  out["events"] = events;
  json::OrderedJson clipped = json::OrderedJson::array();
  for (const ClippedElement& c : job.clipped) {
    clipped.push_back({{"what", c.what}, {"width_dots", c.width_dots}, {"area_dots", c.area_dots}});
  }
  out["clipped"] = clipped;
  json::OrderedJson ignored = json::OrderedJson::object();
  for (const auto& [name, count] : job.ignored) ignored[name] = count;
  out["ignored_commands"] = ignored;
  json::OrderedJson unknown = json::OrderedJson::object();
  for (const auto& [name, count] : job.unknown) unknown[name] = count;
  out["unknown_commands"] = unknown;
  return json::Dump(out, 2) + "\n";
}

Status WriteJobFiles(const PrintedJob& job, const std::string& dir,
                     receipt::GlyphRasterizer* rasterizer) {
  const std::string stem = JobFileStem(job.number);
  MYKEY_ASSIGN_OR_RETURN(Bitmap page, RenderJob(job, rasterizer));
  MYKEY_ASSIGN_OR_RETURN(Bytes png, receipt::EncodePng(page));
  // Each file appears whole or not at all (a temporary file renamed over it).
  MYKEY_TRY(ReplaceFile(dir + "/" + stem + ".png", WithPngDensity(std::move(png), kPixelsPerMetre),
                        0644));
  return ReplaceFile(dir + "/" + stem + ".json", JobSummaryJson(job, stem + ".png"), 0644);
}

int NextJobNumber(const std::string& dir) {
  int highest = 0;
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  // Bounded by the directory's entries; a listing error ends it.
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    int number = 0;
    int end = 0;
    if (std::sscanf(name.c_str(), "job-%9d%n", &number, &end) != 1 || number < 0) continue;
    const std::string_view rest = std::string_view(name).substr(static_cast<size_t>(end));
    if (rest == ".png" || rest == ".json") highest = std::max(highest, number);
  }
  return highest + 1;
}

}  // namespace mykey::vprinter
