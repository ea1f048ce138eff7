#pragma once

// Where a library number goes: printed on stdout, POSTed to the library
// system's URL, or typed as keyboard input through a uinput device.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/http_client/http_transport.h"
#include "mykey/terminal/flow.h"

namespace mykey::terminal {

/// Writes each number as one line to a file descriptor (stdout).
///
/// Thread safety: as LibraryOutput.
class LineLibraryOutput final : public LibraryOutput {
 public:
  /// @param fd borrowed (1 for stdout)
  explicit LineLibraryOutput(int fd) : fd_(fd) {}

 private:
  Status DoDeliver(std::string_view number) override;
  int fd_;
};

/// POSTs {"library_number": "...", "site": "..."} to the library system.
/// Any 2xx answer is success.
///
/// Thread safety: as LibraryOutput.
class UrlLibraryOutput final : public LibraryOutput {
 public:
  /// @param transport borrowed; must outlive the output
  /// @param url       the library system's endpoint
  /// @param site      this terminal's site name (sent along)
  UrlLibraryOutput(http_client::HttpTransport& transport, std::string url, std::string site);

 private:
  /// @returns Ok; kUnavailable when the system answered non-2xx; the
  ///          transport's errors.
  Status DoDeliver(std::string_view number) override;
  http_client::HttpTransport& transport_;
  std::string url_;
  std::string site_;
};

/// One key press of a uinput keyboard: a Linux key code and whether Shift is held.
struct KeyStroke {
  uint16_t code = 0;
  bool shift = false;
  bool operator==(const KeyStroke&) const = default;
};

/// The key strokes that type `text` on a keyboard with a US or JIS layout
/// (digits, letters and '-' sit on the same keys on both), then Enter.
/// @returns the strokes; kInvalidArgument for any other character.
Result<std::vector<KeyStroke>> KeyStrokesFor(std::string_view text, bool press_enter);

/// Types numbers through /dev/uinput as a virtual keyboard.
///
/// Thread safety: as LibraryOutput.
class UinputKeyboard final : public LibraryOutput {
 public:
  /// Opens the uinput device and creates the virtual keyboard.
  /// @param path        "/dev/uinput"
  /// @param press_enter Enter after each number
  /// @returns the keyboard; kPermissionDenied ("/dev/uinput is not writable
  ///          by this user"), kNotFound (no uinput: the module is not loaded),
  ///          kUnavailable (the device refused to set up).
  static Result<std::unique_ptr<UinputKeyboard>> Open(const std::string& path, bool press_enter);
  ~UinputKeyboard() override;

 private:
  UinputKeyboard(int fd, bool press_enter) : fd_(fd), press_enter_(press_enter) {}
  Status DoDeliver(std::string_view number) override;
  Status Emit(uint16_t type, uint16_t code, int32_t value);
  int fd_;
  bool press_enter_;
};

}  // namespace mykey::terminal
