#pragma once

#include <cstdint>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/receipt/bitmap.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::vprinter {

/// Draws a job as the paper would come out: `job.paper_dots` wide at 203 dpi,
/// text with the font (font A cells 12 x 24 dots half-width, 24 x 24
/// full-width, font B 9 x 17, times the character size; reverse, upside-down
/// and rotated as printed), bit images and raster images, graphics and NV
/// images, QR codes (libqrencode through sdk/receipt, at the module size the
/// job set), barcodes (CODE128 through sdk/receipt; UPC-A, EAN-13, EAN-8,
/// CODE39, ITF, CODABAR drawn here; others as a box with their text), NV
/// images never stored as a labelled box, feeds. Content past the print
/// area is clipped; pages longer than receipt::Bitmap::kMaxSide are cut there.
/// Each element advances the page by AdvanceDots().
///
/// @param job        the printed job
/// @param rasterizer the fonts; null draws each character as an outlined cell
/// @returns the page (at least 1 dot tall); kInvalidArgument for a paper width
///          outside 8..4096 dots.
///
/// Thread safety: safe from any thread for distinct rasterizers (a
/// GlyphRasterizer is not thread-safe).
Result<receipt::Bitmap> RenderJob(const PrintedJob& job, receipt::GlyphRasterizer* rasterizer);

/// The JSON sidecar of a job: number, bytes received and dropped, completed or
/// failed and why, cut, text lines, QR codes, barcodes, images, placeholders,
/// process IDs answered, events (interrupted, resumed, cleared, discarded, with
/// where on the page), clipped elements, ignored and unknown commands by name
/// with their counts, paper width and page length.
///
/// Thread safety: safe from any thread.
std::string JobSummaryJson(const PrintedJob& job, const std::string& png_name);

/// Writes `<dir>/job-NNNN.png` (rendered, 203 dpi in its pHYs chunk) and
/// `<dir>/job-NNNN.json`, each through a temporary file renamed over the name,
/// so that a reader sees a whole file or none.
/// @returns kUnavailable (domain kOs) when a file cannot be written; the errors
///          of RenderJob(); kInternal when the PNG encoder fails.
///
/// Thread safety: as RenderJob().
Status WriteJobFiles(const PrintedJob& job, const std::string& dir,
                     receipt::GlyphRasterizer* rasterizer);

/// "job-0001" for job 1.
///
/// Thread safety: safe from any thread.
std::string JobFileStem(int number);

/// The number after the highest job-N.png or job-N.json in `dir` (1 when there
/// is none or the directory cannot be read): where a new run continues.
///
/// Thread safety: safe from any thread.
int NextJobNumber(const std::string& dir);

/// `png` with a pHYs chunk after its IHDR saying `pixels_per_metre` both ways
/// (8000 for 203 dpi); anything that does not start with an IHDR is returned as is.
///
/// Thread safety: safe from any thread.
Bytes WithPngDensity(Bytes png, uint32_t pixels_per_metre);

}  // namespace mykey::vprinter
