#pragma once

// The one place nlohmann-json is included (architecture.md: each third-party
// library in one place). Include this only from .cc files: the header is
// heavy. Parsing goes through ParseJson(), which never throws.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mykey/base/result.h"

namespace mykey::json {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

/// Parses a JSON text. @returns kInvalidArgument (domain kParse, detail =
/// byte offset) for malformed input. Never throws.
Result<Json> ParseJson(std::string_view text);

/// Serialises without throwing: invalid UTF-8 in strings is replaced.
std::string Dump(const Json& value, int indent = -1);
std::string Dump(const OrderedJson& value, int indent = -1);

}  // namespace mykey::json
