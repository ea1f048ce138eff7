#include "mykey/http_client/http_transport.h"

#include <cctype>

namespace mykey::http_client {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoringCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

bool IsLoopbackHttpUrl(std::string_view url) noexcept {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !EqualsIgnoringCase(url.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  std::string_view rest = url.substr(kScheme.size());
  for (std::string_view host :
       {std::string_view("127.0.0.1"), std::string_view("localhost"), std::string_view("[::1]")}) {
    if (rest.size() >= host.size() && EqualsIgnoringCase(rest.substr(0, host.size()), host)) {
      if (rest.size() == host.size()) return true;
      const char next = rest[host.size()];
      if (next == ':' || next == '/' || next == '?') return true;
    }
  }
  return false;
}

}  // namespace mykey::http_client
