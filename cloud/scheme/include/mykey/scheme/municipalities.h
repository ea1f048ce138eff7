#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// A municipality of the scheme, by its 6-digit local government code
/// (全国地方公共団体コード with its check digit, e.g. 131016 for Chiyoda).
struct Municipality {
  std::string code;
  std::string name;
  bool cross_municipality_use = false;  ///< its points may be spent elsewhere (off by default)
  int64_t created_at_ms = 0;
};

/// True when `code` is six ASCII digits whose last digit is the check digit
/// of the first five (JIS X 0402: weights 6,5,4,3,2; 11 - sum mod 11, with
/// 10 -> 0 and 11 -> 1).
bool IsValidMunicipalityCode(std::string_view code) noexcept;

/// The municipalities table of a store.
///
/// Thread safety: stateless; safe from any thread (the store serialises).
class MunicipalityDirectory {
 public:
  /// @param store borrowed; must outlive this object
  explicit MunicipalityDirectory(Store& store) : store_(store) {}

  /// Adds a municipality.
  /// @returns kInvalidArgument for a code that is not a valid 6-digit code
  ///          or a name outside 1..200 bytes; kAlreadyExists if the code is
  ///          taken; store errors.
  Status Add(const Municipality& municipality);
  /// @returns every municipality, by code; store errors.
  Result<std::vector<Municipality>> List();
  /// @returns the municipality; kNotFound if there is none with `code`.
  Result<Municipality> Get(std::string_view code);

 private:
  Store& store_;
};

}  // namespace mykey::cloud
