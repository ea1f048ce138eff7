#pragma once

#include <cstdint>
#include <span>

#include "mykey/base/error.h"

namespace mykey::hal {

/// One row of the PC/SC return code table.
struct PcscErrorEntry {
  int64_t code;         ///< the PC/SC LONG return code (SCARD_E_…, as pcsclite defines it)
  const char* name;     ///< the macro name ("SCARD_E_NO_SMARTCARD")
  ErrorCode error;      ///< the coarse code callers branch on
  const char* message;  ///< what it means for us
};

/// The one table that maps every PC/SC return code pcsclite defines (SCARD_S_,
/// SCARD_E_, SCARD_W_, SCARD_F_, SCARD_P_) to an Error. Highlights: removed,
/// reset or unpowered card -> kAborted; no smart card -> kNotFound; no service,
/// service stopped, invalid handle, no readers, reader unavailable, unknown
/// reader, sharing violation -> kUnavailable; timeout -> kDeadlineExceeded;
/// cancelled -> kCancelled.
std::span<const PcscErrorEntry> PcscErrorTable() noexcept;

/// Maps a PC/SC return code to an Error (domain kPcsc, detail = `code`).
/// @param code a PC/SC LONG return code other than SCARD_S_SUCCESS
/// @returns the table's error; kInternal "unknown PC/SC return code" for a
///          code not in the table.
Error PcscError(int64_t code) noexcept;

}  // namespace mykey::hal
