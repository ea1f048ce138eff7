#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mykey/api/api_error.h"

namespace mykey::cloud {

/// What a string member must look like.
struct StringRule {
  size_t min_length = 1;     ///< in bytes (UTF-8)
  size_t max_length = 1024;  ///< in bytes (UTF-8)
  /// If set, every character must satisfy it (e.g. digits only).
  bool (*char_allowed)(char c) = nullptr;
  /// Said in the error message when a character is refused ("digits").
  const char* charset_name = nullptr;
};

/// Deepest nesting a request body may have.
inline constexpr int kMaxJsonDepth = 32;

/// A strict reader of a JSON request object. Read every member the route
/// knows with the typed readers, then call Finish(): it reports the first
/// member that was not read as unknown_field, else the first problem a
/// reader recorded as invalid_field. Readers never fail on their own: after
/// a problem they return empty values, so a handler reads all fields and
/// checks once.
///
///     MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(request.body));
///     std::string code = body.String("code", kMunicipalityCode);
///     std::string name = body.String("name");
///     if (auto error = body.Finish()) return *error;
///
/// Thread safety: not thread-safe; one request's reader.
class JsonObject {
 public:
  /// Parses a request body.
  /// @returns invalid_json if it is not JSON, nests deeper than
  ///          kMaxJsonDepth, or is not an object.
  static ApiResult<JsonObject> Parse(std::string_view body);

  JsonObject(JsonObject&&) noexcept;
  JsonObject& operator=(JsonObject&&) noexcept;
  ~JsonObject();

  /// A required string.
  std::string String(std::string_view name, const StringRule& rule = {});
  /// An optional string (absent or null gives nullopt).
  std::optional<std::string> OptionalString(std::string_view name, const StringRule& rule = {});
  /// A required integer in [min, max] (1.0 is not an integer).
  int64_t Integer(std::string_view name, int64_t min, int64_t max);
  std::optional<int64_t> OptionalInteger(std::string_view name, int64_t min, int64_t max);
  /// A required boolean.
  bool Boolean(std::string_view name);
  std::optional<bool> OptionalBoolean(std::string_view name);

  /// @returns unknown_field (naming the first member not read), else the
  ///          first invalid_field, else nullopt.
  std::optional<ApiError> Finish() const;

 private:
  struct State;
  explicit JsonObject(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// True for '0'..'9'.
bool IsAsciiDigit(char c) noexcept;

}  // namespace mykey::cloud
