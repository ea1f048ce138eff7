#include "mykey/vprinter/job_render.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <variant>

#include "mykey/json/json.h"
#include "mykey/receipt/qr.h"
#include "mykey/receipt/text.h"

namespace mykey::vprinter {
namespace {

using receipt::Bitmap;

// A drawn block and where it goes.
struct Block {
  Bitmap bitmap;
  int x = 0;
  int advance = 0;  // vertical advance (>= bitmap height)
};

int XFor(Justification justification, int width, int paper) {
  switch (justification) {
    case Justification::kCenter: return std::max(0, (paper - width) / 2);
    case Justification::kRight: return std::max(0, paper - width);
    case Justification::kLeft: return 0;
  }
  return 0;
}

Bitmap Blank(int width, int height) {
  auto bitmap = Bitmap::Create(std::max(width, 0), std::max(height, 0));
  return bitmap ? std::move(*bitmap) : Bitmap();
}

// Each character as an outlined cell (no font available).
Bitmap CellBoxes(const TextSpan& span, int height) {
  Bitmap out = Blank(span.width_dots, height);
  auto chars = receipt::DecodeUtf8(span.utf8);
  if (!chars) return out;
  int x = 0;
  for (char32_t c : *chars) {
    const int w = 12 * receipt::EastAsianWidth(c) * span.width_scale;
    if (c != U' ' && w > 2) {
      out.FillRect(x + 1, 1, w - 2, 1, true);
      out.FillRect(x + 1, height - 2, w - 2, 1, true);
      out.FillRect(x + 1, 1, 1, height - 2, true);
      out.FillRect(x + w - 2, 1, 1, height - 2, true);
    }
    x += w;
  }
  return out;
}

Bitmap RenderSpan(const TextSpan& span, receipt::GlyphRasterizer* rasterizer) {
  const int height = 24 * span.height_scale;
  Bitmap out;
  if (rasterizer != nullptr) {
    receipt::TextRenderOptions options;
    options.pixel_height = height;
    options.pixel_width = 24 * span.width_scale;
    options.bold = span.bold;
    options.column_dots = 12 * span.width_scale;
    auto drawn = rasterizer->RenderText(span.utf8, options);
    if (drawn) out = std::move(*drawn);
  }
  if (out.empty()) out = CellBoxes(span, height);
  if (span.underline > 0) {
    out.FillRect(0, out.height() - span.underline, out.width(), span.underline, true);
  }
  return out;
}

Block TextBlock(const PrintedText& text, int paper, receipt::GlyphRasterizer* rasterizer) {
  std::vector<Bitmap> parts;
  int width = 0;
  int height = 0;
  for (const TextSpan& span : text.spans) {
    parts.push_back(RenderSpan(span, rasterizer));
    width += parts.back().width();
    height = std::max(height, parts.back().height());
  }
  Block block;
  block.bitmap = Blank(std::min(width, paper), height);
  // Spans of different heights share the baseline at the bottom of the line.
  int x = 0;
  for (const Bitmap& part : parts) {
    block.bitmap.Draw(part, x, height - part.height());
    x += part.width();
  }
  block.x = XFor(text.justification, block.bitmap.width(), paper);
  block.advance = std::max(height, text.line_spacing_dots);
  return block;
}

Block RasterBlock(const PrintedRaster& raster, int paper) {
  Block block;
  auto bitmap = Bitmap::FromPackedRows(raster.packed, raster.width_bytes, raster.height);
  if (!bitmap) return block;
  if (raster.scale_x != 1 || raster.scale_y != 1) {
    auto scaled = bitmap->Scaled(raster.scale_x, raster.scale_y);
    if (!scaled) return block;
    bitmap = std::move(scaled);
  }
  block.bitmap = std::move(*bitmap);
  block.x = XFor(raster.justification, block.bitmap.width(), paper);
  block.advance = block.bitmap.height();
  return block;
}

Block QrBlock(const PrintedQr& qr, int paper) {
  Block block;
  receipt::QrErrorCorrection level = receipt::QrErrorCorrection::kL;
  switch (qr.level) {
    case 'M': level = receipt::QrErrorCorrection::kM; break;
    case 'Q': level = receipt::QrErrorCorrection::kQ; break;
    case 'H': level = receipt::QrErrorCorrection::kH; break;
    default: break;
  }
  auto symbol = receipt::QrSymbol::Encode(qr.payload, level);
  if (!symbol) return block;
  // A printer prints the symbol without its quiet zone: the paper around it is the zone.
  auto bitmap = symbol->Render(qr.module_dots, 0);
  if (!bitmap) return block;
  block.bitmap = std::move(*bitmap);
  block.x = XFor(qr.justification, block.bitmap.width(), paper);
  block.advance = block.bitmap.height();
  return block;
}

Block BarcodeBlock(const PrintedBarcode& barcode, int paper, receipt::GlyphRasterizer* rasterizer) {
  Block block;
  Bitmap bars;
  if (barcode.system == 73) {
    auto drawn = receipt::RenderCode128(barcode.data, std::clamp(barcode.module_dots, 1, 6),
                                        std::clamp(barcode.height_dots, 1, 255));
    if (drawn) bars = std::move(*drawn);
  }
  if (bars.empty()) {
    // Other symbologies: a placeholder box as wide as the data would need.
    const int width = std::min(
        paper, static_cast<int>(barcode.data.size()) * 11 * std::max(1, barcode.module_dots));
    bars = Blank(width, std::clamp(barcode.height_dots, 1, 255));
    bars.FillRect(0, 0, width, 2, true);
    bars.FillRect(0, bars.height() - 2, width, 2, true);
    bars.FillRect(0, 0, 2, bars.height(), true);
    bars.FillRect(width - 2, 0, 2, bars.height(), true);
  }
  Bitmap hri;
  if (barcode.hri != 0) {
    TextSpan span;
    span.utf8 = barcode.data;
    span.width_dots = 12 * static_cast<int>(barcode.data.size());
    hri = RenderSpan(span, rasterizer);
  }
  const bool above = barcode.hri == 1 || barcode.hri == 3;
  const bool below = barcode.hri == 2 || barcode.hri == 3;
  const int width = std::max(bars.width(), hri.width());
  const int height = bars.height() + (above ? hri.height() : 0) + (below ? hri.height() : 0);
  block.bitmap = Blank(width, height);
  int y = 0;
  if (above) {
    block.bitmap.Draw(hri, (width - hri.width()) / 2, y);
    y += hri.height();
  }
  block.bitmap.Draw(bars, (width - bars.width()) / 2, y);
  y += bars.height();
  if (below) block.bitmap.Draw(hri, (width - hri.width()) / 2, y);
  block.x = XFor(barcode.justification, width, paper);
  block.advance = height;
  return block;
}

}  // namespace

Result<Bitmap> RenderJob(const PrintedJob& job, receipt::GlyphRasterizer* rasterizer) {
  const int paper = job.paper_dots;
  if (paper < 8 || paper > 4096) {
    return Fail(ErrorCode::kInvalidArgument, "paper width outside 8..4096 dots");
  }
  std::vector<Block> blocks;
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
    } else if (const auto* feed = std::get_if<PrintedFeed>(&element)) {
      block.advance = feed->dots;
    }
    total += block.advance;
    blocks.push_back(std::move(block));
  }
  const int height = static_cast<int>(std::clamp<long>(total, 1, Bitmap::kMaxSide));
  MYKEY_ASSIGN_OR_RETURN(Bitmap page, Bitmap::Create(paper, height));
  int y = 0;
  for (const Block& block : blocks) {
    if (y >= height) break;
    if (!block.bitmap.empty()) page.Draw(block.bitmap, block.x, y);
    y += block.advance;
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
  out["bytes_received"] = job.bytes_received;
  out["completed"] = job.completed;
  out["failure"] = job.completed ? json::OrderedJson(nullptr) : json::OrderedJson(job.failure);
  out["cut"] = job.cut;
  out["text_lines"] = job.text_lines;
  json::OrderedJson qr = json::OrderedJson::array();
  json::OrderedJson barcodes = json::OrderedJson::array();
  size_t rasters = 0;
  for (const PrintedElement& element : job.elements) {
    if (const auto* q = std::get_if<PrintedQr>(&element)) {
      qr.push_back({{"payload", q->payload},
                    {"module_dots", q->module_dots},
                    {"level", std::string(1, q->level)}});
    } else if (const auto* b = std::get_if<PrintedBarcode>(&element)) {
      barcodes.push_back({{"system", b->system}, {"data", b->data}});
    } else if (std::holds_alternative<PrintedRaster>(element)) {
      ++rasters;
    }
  }
  out["qr_codes"] = qr;
  out["barcodes"] = barcodes;
  out["raster_images"] = rasters;
  out["unknown_commands"] = job.unknown_commands;
  return json::Dump(out, 2) + "\n";
}

Status WriteJobFiles(const PrintedJob& job, const std::string& dir,
                     receipt::GlyphRasterizer* rasterizer) {
  const std::string stem = JobFileStem(job.number);
  MYKEY_ASSIGN_OR_RETURN(Bitmap page, RenderJob(job, rasterizer));
  MYKEY_TRY(receipt::WritePng(page, dir + "/" + stem + ".png"));
  const std::string path = dir + "/" + stem + ".json";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Fail(ErrorCode::kUnavailable, "cannot write the job summary", ErrorDomain::kOs, errno);
  out << JobSummaryJson(job, stem + ".png");
  out.close();
  if (!out)
    return Fail(ErrorCode::kUnavailable, "cannot write the job summary", ErrorDomain::kOs, errno);
  return Ok();
}

}  // namespace mykey::vprinter
