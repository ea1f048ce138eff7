#include "store_location.h"

#include <charconv>

#include "mykey/sqlite_store/sqlite_store.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kSchemes[] = {"postgresql://", "postgres://"};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return Fail(ErrorCode::kInvalidArgument, "a bad %-escape in the PostgreSQL URI");
    }
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) {
      return Fail(ErrorCode::kInvalidArgument, "a bad %-escape in the PostgreSQL URI");
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

bool IsPostgresLocation(std::string_view location) noexcept {
  for (std::string_view scheme : kSchemes) {
    if (location.starts_with(scheme)) return true;
  }
  return false;
}

Result<PostgresStoreOptions> ParsePostgresLocation(std::string_view uri) {
  std::string_view rest;
  for (std::string_view scheme : kSchemes) {
    if (uri.starts_with(scheme)) rest = uri.substr(scheme.size());
  }
  if (rest.data() == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "a PostgreSQL location starts with postgresql://");
  }
  PostgresStoreOptions options;
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) {
    return Fail(ErrorCode::kInvalidArgument, "the PostgreSQL URI names no database (/dbname)");
  }
  MYKEY_ASSIGN_OR_RETURN(options.dbname, Unescape(rest.substr(slash + 1)));
  std::string_view authority = rest.substr(0, slash);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      MYKEY_ASSIGN_OR_RETURN(options.password, Unescape(userinfo.substr(colon + 1)));
      userinfo = userinfo.substr(0, colon);
    }
    MYKEY_ASSIGN_OR_RETURN(options.user, Unescape(userinfo));
  }
  std::string_view host = authority;
  if (const size_t colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    host = authority.substr(0, colon);
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return Fail(ErrorCode::kInvalidArgument, "the PostgreSQL URI has a bad port");
    }
    options.port = static_cast<uint16_t>(value);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  MYKEY_ASSIGN_OR_RETURN(options.host, Unescape(host));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (name == "host") {
      MYKEY_ASSIGN_OR_RETURN(options.host, Unescape(value));
    } else if (name == "application_name") {
      MYKEY_ASSIGN_OR_RETURN(options.application_name, Unescape(value));
    } else {
      return Fail(ErrorCode::kInvalidArgument,
                  "the PostgreSQL URI has an unknown parameter (host, application_name)");
    }
  }
  return options;
}

std::string RedactLocation(std::string_view location) {
  if (!IsPostgresLocation(location)) return std::string(location);
  const size_t start = location.find("://") + 3;
  const size_t at = location.find('@', start);
  const size_t slash = location.find('/', start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && at > slash)) {
    return std::string(location);
  }
  const size_t colon = location.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(location);
  return std::string(location.substr(0, colon + 1)) + "***" + std::string(location.substr(at));
}

Result<std::unique_ptr<Store>> OpenStoreAt(std::string_view location, unsigned connections,
                                           bool create) {
  if (IsPostgresLocation(location)) {
    MYKEY_ASSIGN_OR_RETURN(PostgresStoreOptions options, ParsePostgresLocation(location));
    options.connections = connections;
    MYKEY_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(options));
    return std::unique_ptr<Store>(std::move(store));
  }
  SqliteStoreOptions options;
  options.path = std::string(location);
  options.create = create;
  options.connections = connections;
  MYKEY_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mykey::cloud
