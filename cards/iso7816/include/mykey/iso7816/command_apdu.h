#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::iso7816 {

/// Largest Lc (data length) in short form and in extended form.
inline constexpr size_t kMaxShortDataSize = 255;
inline constexpr size_t kMaxExtendedDataSize = 65535;
/// Largest Ne (expected response length) in short form and in extended form.
inline constexpr size_t kMaxShortLe = 256;
inline constexpr size_t kMaxExtendedLe = 65536;

/// How a CommandApdu is encoded on the wire.
enum class ApduForm : uint8_t {
  kAuto,      ///< short unless Lc > 255 or Ne > 256
  kShort,     ///< short form only (Lc <= 255, Ne <= 256)
  kExtended,  ///< extended form even where short would do
};

/// An ISO/IEC 7816-4 command APDU: CLA INS P1 P2, optional data, optional Ne
/// (the "Le" of the standard, as a number: 1..65536, where 256 and 65536 are
/// encoded as 00 / 00 00). Encodes cases 1-4 in short and extended form.
///
/// The command data is wiped from memory when the object is destroyed (a
/// VERIFY carries a PIN).
///
/// Thread safety: a value type; distinct objects may be used from distinct threads.
class CommandApdu {
 public:
  /// Builds a command.
  /// @param data the command data (Lc = its size; empty for cases 1 and 2)
  /// @param le   Ne, the number of response bytes expected; nullopt for cases 1 and 3
  /// @param form kAuto picks short form when it fits
  /// @returns kInvalidArgument if data is longer than 65535 bytes, Ne is 0 or
  /// above 65536, or `form` is kShort and the command does not fit short form.
  static Result<CommandApdu> Create(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                    ByteView data = {}, std::optional<size_t> le = std::nullopt,
                                    ApduForm form = ApduForm::kAuto);

  /// Decodes an encoded command (any of cases 1, 2S, 3S, 4S, 2E, 3E, 4E).
  /// @returns kInvalidArgument if the bytes are not a well-formed APDU
  /// (fewer than 4 bytes, Lc inconsistent with the length, extended Lc of 0).
  static Result<CommandApdu> Parse(ByteView encoded);

  CommandApdu(const CommandApdu& other) = default;
  CommandApdu& operator=(const CommandApdu& other);
  CommandApdu(CommandApdu&& other) noexcept = default;
  CommandApdu& operator=(CommandApdu&& other) noexcept;
  ~CommandApdu();

  uint8_t cla() const { return cla_; }
  uint8_t ins() const { return ins_; }
  uint8_t p1() const { return p1_; }
  uint8_t p2() const { return p2_; }
  ByteView data() const { return data_; }
  std::optional<size_t> le() const { return le_; }
  /// True if Encode() uses the extended form.
  bool extended() const { return extended_; }

  /// The same command with another Ne (for a 6Cxx answer); keeps the form
  /// unless the new Ne needs extended form.
  /// @returns kInvalidArgument as Create() does.
  Result<CommandApdu> WithLe(size_t le) const;

  /// The wire bytes. The caller should SecureWipe() them after use when the
  /// command carries a secret.
  Bytes Encode() const;

 private:
  CommandApdu() = default;
  void Wipe() noexcept;

  uint8_t cla_ = 0;
  uint8_t ins_ = 0;
  uint8_t p1_ = 0;
  uint8_t p2_ = 0;
  Bytes data_;
  std::optional<size_t> le_;
  bool extended_ = false;
};

}  // namespace mykey::iso7816
