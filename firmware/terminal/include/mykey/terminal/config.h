#pragma once

// The terminal's configuration (mykey-terminal.toml): what the site is, which
// reader and printer it uses, where the cloud is, offline limits, language,
// maintenance window, the local API. Parsed strictly: unknown keys and bad
// values are refused with the line they are on.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/printer/print_job.h"
#include "mykey/printer_serial/serial_printer_port.h"

namespace mykey::terminal {

/// What the terminal does at its site.
enum class Mode : uint8_t { kShop, kLibrary, kKiosk, kFacility };
/// The language of the console and of the local API's messages.
enum class Language : uint8_t { kJapanese, kEnglish };
/// Where a library lookup's number goes.
enum class LibraryOutputKind : uint8_t { kStdout, kUrl, kUinput };
/// How the receipt printer is reached.
enum class PrinterBackend : uint8_t { kNone, kTcp, kCharDevice, kSerial, kFile };

/// "shop", "library", "kiosk", "facility".
const char* ModeName(Mode mode) noexcept;
/// "ja", "en".
const char* LanguageCode(Language language) noexcept;

/// [printer]
struct PrinterConfig {
  PrinterBackend backend = PrinterBackend::kNone;
  std::string profile = "generic-58-kanji";  ///< a receipt::PrinterProfile preset name
  std::string host = "127.0.0.1";            ///< tcp
  uint16_t port = 9100;                      ///< tcp
  std::string path;                          ///< chardev, serial, file
  uint32_t baud = 38400;                     ///< serial: one of printer::kSerialSpeeds
  printer::FlowControl flow = printer::FlowControl::kRtsCts;  ///< serial
  printer::Parity parity = printer::Parity::kNone;            ///< serial
  uint8_t stop_bits = 1;                                      ///< serial: 1 or 2
  /// How a job is confirmed: kStatusOnly for a printer without GS ( H.
  printer::Completion completion = printer::Completion::kProcessId;
  /// kStatusOnly: a clean status after a job counts as printed.
  bool trust_status_only = false;
  /// The process-ID answer is awaited completion_wait + job bytes / bytes_per_second.
  std::chrono::milliseconds completion_wait{3000};
  uint32_t bytes_per_second = printer::kDefaultPrintBytesPerSecond;
};

/// [cloud]
struct CloudConfig {
  std::string url;      ///< "https://cloud.example.jp" (no trailing '/')
  std::string ca_file;  ///< PEM trust anchors; empty: the system store
  std::chrono::milliseconds timeout{10'000};
  std::string key_file = "/var/lib/mykey/terminal.key.pem";  ///< mode 0600, this user's
  std::string id_file = "/var/lib/mykey/terminal.id";
};

/// [offline]: redemptions authorised locally when the cloud is unreachable.
struct OfflineConfig {
  bool enabled = false;
  int64_t max_per_operation = 1'000;     ///< points
  int64_t max_total = 10'000;            ///< points journalled and not yet forwarded
  int64_t max_count = 20;                ///< operations journalled and not yet forwarded
  int64_t max_per_holder = 3'000;        ///< points of one MyKey ID journalled, not forwarded
  std::chrono::hours max_age{24};        ///< oldest revocation set still trusted
  std::chrono::hours max_entry_age{12};  ///< oldest journal entry before offline mode stops
  std::string journal = "/var/lib/mykey/journal.sqlite";
  std::string revocation_cache = "/var/lib/mykey/revocation.bin";
  std::string trust_anchors = "/var/lib/mykey/jpki-auth-ca.pem";  ///< cached JPKI auth CAs (PEM)
};

/// [maintenance]: the daily window for revocation sync and journal forwarding
/// (local time; end may be before start to cross midnight).
struct MaintenanceConfig {
  std::chrono::minutes start{3 * 60};  ///< minutes after local midnight
  std::chrono::minutes end{4 * 60};
};

/// [local_api]: the integration API on loopback.
struct LocalApiConfig {
  bool enabled = true;
  std::string address = "127.0.0.1";  ///< loopback only ("127.0.0.1" or "::1")
  uint16_t port = 8787;
  std::string token_file;  ///< the POS's bearer token, mode 0600 (required when enabled)
};

/// [shop]
struct ShopConfig {
  std::string merchant_name;  ///< printed on receipts
  std::string programme_name = "ポイント";
  int64_t programme_id = 0;  ///< 0: the holder's first programme with enough points
  int64_t max_amount = 100'000;
  bool refunds = true;
};

/// [library]
struct LibraryConfig {
  LibraryOutputKind output = LibraryOutputKind::kStdout;
  std::string url;          ///< for kUrl: POSTed {"library_number": "..."}
  bool tap_only = false;    ///< the library allows a lookup without PIN
  bool press_enter = true;  ///< kUinput: Enter after the number
};

/// [kiosk]
struct KioskConfig {
  std::vector<int64_t> voucher_amounts{500, 1000};
  int64_t voucher_days = 180;  ///< a voucher is valid through today (Japan) + this many days
  /// A voucher the printer did not confirm: void it (points back) or keep it
  /// pending_print for staff to reprint (the cloud voids it if nobody does).
  bool keep_unprinted_vouchers = false;
  std::string voucher_title;  ///< printed at the top of vouchers; empty: terminal.site_name
};

/// [facility]
struct FacilityConfig {
  std::string name;  ///< "市立美術館"
  int64_t fee = 0;   ///< entrance fee in points, > 0
  int64_t programme_id = 0;
};

/// The whole configuration with its defaults.
///
/// Thread safety: a value type.
struct TerminalConfig {
  Mode mode = Mode::kShop;
  Language language = Language::kJapanese;
  std::string site_name;  ///< shown on the console
  std::string reader;     ///< PC/SC reader name; empty: the first reader
  std::string log_level = "info";
  std::string pin_device = "/dev/tty";  ///< the holder's PIN pad (a terminal device)
  PrinterConfig printer;
  CloudConfig cloud;
  OfflineConfig offline;
  MaintenanceConfig maintenance;
  LocalApiConfig local_api;
  ShopConfig shop;
  LibraryConfig library;
  KioskConfig kiosk;
  FacilityConfig facility;
};

/// Where and why a configuration was refused.
///
/// Thread safety: a value type.
struct ConfigProblem {
  std::string source;  ///< the file name
  int line = 0;        ///< 1-based; 0 when not tied to a line
  int column = 0;
  std::string key;      ///< "printer.port"; empty for a syntax error
  std::string message;  ///< "unknown key", "must be one of shop, library, kiosk, facility"

  /// "mykey-terminal.toml:12:1: printer.port: must be 1..65535".
  std::string ToString() const;
};

/// Parses and validates a configuration text. Every key is checked: unknown
/// keys, wrong types, values out of range and missing required values are
/// refused (the first problem is reported).
/// @param text    the TOML text
/// @param source  the file name for messages
/// @param problem filled when the text is refused (may be null)
/// @returns the configuration; kInvalidArgument (domain kParse, detail = the
///          line, 0 when not tied to one) when it is refused.
Result<TerminalConfig> ParseConfig(std::string_view text, std::string_view source,
                                   ConfigProblem* problem);

/// Reads and parses a configuration file (ParseConfig()).
/// @returns kNotFound / kUnavailable (domain kOs) when the file cannot be
///          read; ParseConfig()'s errors.
Result<TerminalConfig> LoadConfig(const std::string& path, ConfigProblem* problem);

/// Checks that a secret file (terminal key, API token) is a regular file owned
/// by the running user with no group or other permission bits.
/// @param path the file
/// @param what its role for the message ("terminal key file")
/// @param problem filled when refused (may be null)
/// @returns kNotFound (missing), kPermissionDenied (readable by others, owned
///          by another user, not a regular file).
Status CheckSecretFile(const std::string& path, std::string_view what, ConfigProblem* problem);

/// Reads the local API token file (CheckSecretFile() first); trailing
/// whitespace is dropped.
/// @returns the token; CheckSecretFile()'s errors; kInvalidArgument when the
///          token is shorter than 16 characters.
Result<std::string> ReadApiToken(const std::string& path, ConfigProblem* problem);

}  // namespace mykey::terminal
