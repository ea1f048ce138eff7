#pragma once

#include <string>

#include "mykey/base/result.h"
#include "mykey/receipt/bitmap.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::vprinter {

/// Draws a job as the paper would come out: `job.paper_dots` wide at 203 dpi,
/// text with the font (font A cells: 12 x 24 dots half-width, 24 x 24 full-width,
/// times the character size), raster images, QR codes (libqrencode through
/// sdk/receipt, at the module size the job set), CODE128 barcodes (other
/// symbologies as a box with their text), feeds. Content past the paper's
/// width is clipped; pages longer than receipt::Bitmap::kMaxSide are cut there.
///
/// @param job        the printed job
/// @param rasterizer the fonts; null draws each character as an outlined cell
/// @returns the page (at least 1 dot tall); kInvalidArgument for a paper width
///          outside 8..4096 dots.
Result<receipt::Bitmap> RenderJob(const PrintedJob& job, receipt::GlyphRasterizer* rasterizer);

/// The JSON sidecar of a job: number, bytes received, completed or failed and
/// why, cut, text lines, QR payloads, barcodes, unknown commands, paper width.
std::string JobSummaryJson(const PrintedJob& job, const std::string& png_name);

/// Writes `<dir>/job-NNNN.png` (rendered) and `<dir>/job-NNNN.json`.
/// @returns kUnavailable (domain kOs) when a file cannot be written; the errors of RenderJob().
Status WriteJobFiles(const PrintedJob& job, const std::string& dir,
                     receipt::GlyphRasterizer* rasterizer);

/// "job-0001" for job 1.
std::string JobFileStem(int number);

}  // namespace mykey::vprinter
