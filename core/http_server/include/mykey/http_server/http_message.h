#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mykey::http {

/// HTTP header fields with case-insensitive names, in arrival order.
/// Repeated names are kept as separate entries.
///
/// Thread safety: a value type; not synchronised.
class HeaderMap {
 public:
  using Entry = std::pair<std::string, std::string>;

  /// Appends a field (keeps earlier fields of the same name).
  void Add(std::string name, std::string value);
  /// Replaces every field named `name` (any case) by one field.
  void Set(std::string name, std::string value);
  /// Removes every field named `name` (any case).
  void Remove(std::string_view name);
  /// @returns the first value of `name` (any case), or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  /// @returns true if a field named `name` (any case) is present.
  bool Has(std::string_view name) const { return Get(name).has_value(); }

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

/// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;

/// One HTTP request as the server hands it to a handler: the whole body has
/// been received (and was within the size limit).
///
/// Thread safety: a value type; not synchronised.
struct HttpRequest {
  std::string method;  ///< "GET", "POST", ... as sent
  std::string path;    ///< percent-decoded path without the query ("/v1/municipalities")
  /// Decoded query arguments in order ("?a=1&b" gives {"a","1"}, {"b",""}).
  std::vector<std::pair<std::string, std::string>> query;
  HeaderMap headers;
  std::string body;
  std::string remote_address;  ///< "127.0.0.1" or "::1"; empty if unknown

  /// @returns the first value of query argument `name`, or nullopt.
  std::optional<std::string_view> QueryValue(std::string_view name) const;
};

/// A response: status, header fields, body. The server adds Content-Length,
/// Date and Connection itself.
///
/// Thread safety: a value type; not synchronised.
struct HttpResponse {
  int status = 200;
  HeaderMap headers;
  std::string body;

  /// A response with `Content-Type: content_type`.
  static HttpResponse WithBody(int status, std::string_view content_type, std::string body);
};

/// The standard reason phrase of `status` ("Not Found"), or "Unknown".
const char* ReasonPhrase(int status) noexcept;

}  // namespace mykey::http
