#pragma once

// The 1D symbologies of `GS k` the virtual printer draws itself (CODE128
// comes from sdk/receipt): UPC-A, EAN-13 (JAN-13), EAN-8 (JAN-8), CODE39,
// ITF and CODABAR (NW-7), as a printer's firmware draws them. Pure code.

#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"

namespace mykey::vprinter {

/// A barcode as widths in dots of alternating bars and spaces, bar first,
/// without quiet zones (the paper around it is the zone).
struct BarcodeRuns {
  std::string symbology;  ///< "UPC-A", "EAN13", "EAN8", "CODE39", "ITF", "CODABAR"
  std::string hri;        ///< the human-readable text (EAN/UPC with the check digit)
  std::vector<int> runs;
  int width() const;
};

/// The name of `GS k` system m ("UPC-A", "CODE128", ...; "system N" if unknown).
std::string BarcodeSystemName(int system);

/// Encodes `data` for `GS k` system `system` (0..6 or 65..71).
/// @param module_dots `GS w` (1..6): the module of EAN/UPC, the narrow element
///                    of CODE39/ITF/CODABAR (wide = 2.5-3 times, as Epson's table)
/// @returns kUnimplemented for a system not drawn here (UPC-E, CODE93, CODE128,
///          GS1); kInvalidArgument for data the symbology cannot hold (a wrong
///          length or character, a wrong check digit, CODABAR without start/stop).
Result<BarcodeRuns> EncodeBarcode(int system, std::string_view data, int module_dots);

}  // namespace mykey::vprinter
