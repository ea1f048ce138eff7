#pragma once

#include <string>
#include <string_view>

namespace mykey {

/// Masks an identifier for logs: keeps the last `keep` characters, replaces
/// the rest with '*'. Identifiers shorter than 2*keep are masked entirely.
/// ("AB12CD34" -> "******34"). Use for certificate serials and MyKey IDs.
std::string MaskIdentifier(std::string_view id, size_t keep = 2);

}  // namespace mykey
