#pragma once

#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey {

/// Standard Base64 (RFC 4648 §4) with padding.
std::string Base64Encode(ByteView data);
/// Decodes standard Base64; whitespace (line breaks in PEM) is skipped.
/// @returns kInvalidArgument on a character outside the alphabet or bad padding.
Result<Bytes> Base64Decode(std::string_view text);

/// PEM armour: "-----BEGIN <label>-----", 64-column Base64, "-----END <label>-----".
std::string PemEncode(std::string_view label, ByteView der);
/// The DER inside the first PEM block with `label`.
/// @returns kNotFound if there is no such block; kInvalidArgument if it is malformed.
Result<Bytes> PemDecode(std::string_view pem, std::string_view label);

}  // namespace mykey
