#pragma once

#include <cstddef>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey {

/// The total size (tag + length octets + contents) of the DER element that
/// starts `prefix`, read from its header alone. Used to read a certificate
/// from a card EF padded with filler: read the header, then exactly this
/// many bytes, never to the end of the file (jpki-card.md §2).
///
/// Accepts single-byte tags (no high-tag-number form) and definite lengths
/// of up to 4 length octets, minimally encoded (DER).
/// @returns kOutOfRange if `prefix` is too short to hold the header
/// (read more and ask again); kDataLoss if the header is not valid DER
/// (indefinite length, non-minimal length, too many length octets, or a
/// multi-byte tag).
Result<size_t> DerElementSize(ByteView prefix);

/// Bytes needed to hold any DER header DerElementSize() accepts.
inline constexpr size_t kMaxDerHeaderSize = 6;

}  // namespace mykey
