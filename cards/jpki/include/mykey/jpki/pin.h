#pragma once

#include <cstdint>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::jpki {

class JpkiApplet;

/// A JPKI secret typed by the holder: the user-authentication PIN (4 digits)
/// or the signature password (6-16 upper-case letters and digits).
///
/// Held in SecretBytes: not copyable (only movable), no stream operator, no
/// accessor that returns the secret as text. It is wiped when destroyed, when
/// Clear() is called, and by JpkiApplet right after the VERIFY that uses it
/// (the applet takes it by value and consumes it). A PIN is never logged,
/// stored, or kept after the VERIFY (jpki-card.md §4).
///
/// Thread safety: not thread-safe; owned by one thread at a time.
class Pin {
 public:
  enum class Kind : uint8_t {
    kAuthPin,       ///< user-authentication PIN, EF 0018
    kSignPassword,  ///< signature password, EF 001B
  };

  /// @param digits exactly 4 ASCII digits
  /// @returns kInvalidArgument (the input is never echoed in the error).
  static Result<Pin> AuthPin(std::string_view digits);

  /// @param text 6-16 characters, each 'A'-'Z' or '0'-'9'
  /// @returns kInvalidArgument (the input is never echoed in the error).
  static Result<Pin> SignPassword(std::string_view text);

  Pin(Pin&&) noexcept = default;
  Pin& operator=(Pin&&) noexcept = default;
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  ~Pin() = default;  // SecretBytes wipes itself

  Kind kind() const { return kind_; }
  /// Number of characters (0 once cleared).
  size_t size() const { return secret_.size(); }
  bool empty() const { return secret_.empty(); }
  /// Wipes the secret now.
  void Clear() noexcept { secret_.Clear(); }

 private:
  friend class JpkiApplet;
  Pin(Kind kind, ByteView secret) : kind_(kind), secret_(secret) {}
  ByteView secret() const { return secret_.view(); }

  Kind kind_;
  SecretBytes secret_;
};

}  // namespace mykey::jpki
