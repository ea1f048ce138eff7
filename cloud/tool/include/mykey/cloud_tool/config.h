#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "mykey/base/log.h"
#include "mykey/base/result.h"

namespace mykey::cloud {

/// How `mykey-cloud serve` runs: from a JSON config file, then flags.
struct CloudConfig {
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string store_path;  ///< the SQLite file
  std::string keys_dir;    ///< default: `<store_path>.keys`
  unsigned threads = 2;
  unsigned connection_limit = 4096;
  std::chrono::seconds connection_timeout{60};
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds shutdown_grace{10000};
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  bool allow_plain_http_off_loopback = false;
  log::Level log_level = log::Level::kInfo;  ///< info and below write the request log
  /// A directory of the JPKI user-authentication CA certificates (.der/.pem,
  /// every generation in service); empty: the registry's card routes are off.
  std::string jpki_auth_ca_dir;

  /// keys_dir, or `<store_path>.keys` when it is empty.
  std::string KeysDir() const;
};

/// Parses "127.0.0.1:8080" or "[::1]:8080" (port 0: any free port).
/// @returns kInvalidArgument with no port or a port out of range.
Status ParseListen(std::string_view text, CloudConfig& config);

/// Applies a JSON config file over `config`. Members: listen, store, keys_dir,
/// threads, connection_limit, connection_timeout_s, max_body_bytes,
/// shutdown_grace_ms, tls_certificate, tls_private_key,
/// allow_plain_http_off_loopback, log_level, jpki_auth_ca_dir. Unknown members
/// are refused.
/// @param error_text receives a human explanation on failure
/// @returns kNotFound if the file cannot be read; kInvalidArgument for bad
///          JSON, an unknown member or a bad value.
Status LoadConfigFile(const std::string& path, CloudConfig& config, std::string& error_text);

}  // namespace mykey::cloud
