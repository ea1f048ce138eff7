#pragma once

// A configuration document as a plain tree with source positions: what the
// toml++ adapter (toml_document.cc, the one file that includes toml++) hands
// to the validation in config.cc.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mykey/base/result.h"

namespace mykey::terminal {

/// One value of the document.
///
/// Thread safety: a value type.
struct ConfigNode {
  enum class Kind : uint8_t { kTable, kArray, kString, kInteger, kFloat, kBoolean, kOther };
  Kind kind = Kind::kTable;
  std::string key;  ///< the member's name inside its table (empty for the root and array items)
  int line = 0;
  int column = 0;
  std::string text;  ///< kString
  int64_t integer = 0;
  double number = 0;
  bool boolean = false;
  std::vector<ConfigNode> members;  ///< kTable, in source order (each with its key)
  std::vector<ConfigNode> items;    ///< kArray
};

/// A syntax error: where and what.
struct ConfigSyntaxError {
  int line = 0;
  int column = 0;
  std::string message;
};

/// Parses TOML into a tree. Never throws.
/// @returns the root table; kInvalidArgument (domain kParse, detail = line) with `error` filled.
Result<ConfigNode> ParseTomlDocument(std::string_view text, ConfigSyntaxError& error);

}  // namespace mykey::terminal
