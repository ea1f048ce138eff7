#include "mykey/cloud_tool/config.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "mykey/api/json_body.h"

namespace mykey::cloud {

std::string CloudConfig::KeysDir() const {
  return keys_dir.empty() ? store_path + ".keys" : keys_dir;
}

Status ParseListen(std::string_view text, CloudConfig& config) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Fail(ErrorCode::kInvalidArgument, "listen: expected [ipv6]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument, "listen: expected address:port");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || error != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "listen: bad address or port");
  }
  config.listen_address = std::string(host);
  config.listen_port = static_cast<uint16_t>(value);
  return Ok();
}

Status LoadConfigFile(const std::string& path, CloudConfig& config, std::string& error_text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error_text = "cannot read config file " + path;
    return Fail(ErrorCode::kNotFound, "cannot read the config file", ErrorDomain::kOs, errno);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  auto body = JsonObject::Parse(contents.str());
  if (!body) {
    error_text = path + ": " + body.error().message();
    return Fail(ErrorCode::kInvalidArgument, "config file is not a JSON object");
  }
  constexpr int64_t kMaxInt = 1'000'000'000;
  const auto listen = body->OptionalString("listen");
  const auto store = body->OptionalString("store");
  const auto keys_dir = body->OptionalString("keys_dir");
  const auto threads = body->OptionalInteger("threads", 1, 256);
  const auto limit = body->OptionalInteger("connection_limit", 1, 1'000'000);
  const auto timeout = body->OptionalInteger("connection_timeout_s", 1, 86400);
  const auto max_body = body->OptionalInteger("max_body_bytes", 1, 64 * 1024 * 1024);
  const auto grace = body->OptionalInteger("shutdown_grace_ms", 0, kMaxInt);
  const auto cert = body->OptionalString("tls_certificate");
  const auto key = body->OptionalString("tls_private_key");
  const auto allow_plain = body->OptionalBoolean("allow_plain_http_off_loopback");
  const auto level = body->OptionalString("log_level");
  const auto jpki_ca = body->OptionalString("jpki_auth_ca_dir");
  if (auto error = body->Finish()) {
    error_text = path + ": " + error->message();
    return Fail(ErrorCode::kInvalidArgument, "bad config file");
  }
  if (listen && !ParseListen(*listen, config)) {
    error_text = path + ": listen must be address:port";
    return Fail(ErrorCode::kInvalidArgument, "bad config file");
  }
  if (store) config.store_path = *store;
  if (keys_dir) config.keys_dir = *keys_dir;
  if (threads) config.threads = static_cast<unsigned>(*threads);
  if (limit) config.connection_limit = static_cast<unsigned>(*limit);
  if (timeout) config.connection_timeout = std::chrono::seconds(*timeout);
  if (max_body) config.max_body_bytes = static_cast<size_t>(*max_body);
  if (grace) config.shutdown_grace = std::chrono::milliseconds(*grace);
  if (cert) config.tls_certificate_file = *cert;
  if (key) config.tls_private_key_file = *key;
  if (allow_plain) config.allow_plain_http_off_loopback = *allow_plain;
  if (jpki_ca) config.jpki_auth_ca_dir = *jpki_ca;
  if (level && !log::ParseLevel(*level, config.log_level)) {
    error_text = path + ": log_level must be trace, debug, info, warning, error or off";
    return Fail(ErrorCode::kInvalidArgument, "bad config file");
  }
  return Ok();
}

}  // namespace mykey::cloud
