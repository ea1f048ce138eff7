#pragma once

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/iso7816/command_apdu.h"

namespace mykey::iso7816 {

/// The AID firewall: the allow-list that makes it impossible for any driver to
/// reach an application other than the JPKI AP (jpki-card.md §1: the card-face
/// text AP holds the individual number, which this product must never touch).
///
/// CardChannel applies it to every command, below every driver, just before the
/// bytes go to the reader; it can also be used on its own (a bridge that
/// forwards raw APDUs). A refused command is never sent.
///
/// Rules (INS is checked under every CLA, including logical-channel,
/// secure-messaging, chaining and proprietary CLA bytes):
///  - SELECT (INS A4) is allowed in exactly two forms, both with CLA 00 and
///    P2 in {00, 04, 08, 0C} (first or only occurrence; FCI/FCP/FMD/none):
///     - P1 = 04 (by DF name) with data exactly the JPKI AID
///       `D3 92 F0 00 26 01 00 00 00 01`: no partial-name (prefix) match, and no
///       "next / last / previous occurrence" P2, which would walk to other
///       applications whose names share a prefix;
///     - P1 = 02 (EF under the current DF) with a 2-byte file identifier.
///  - Every other SELECT is refused: P1 = 00 (it selects a DF by its file
///    identifier, a way into another application without its AID; empty data
///    selects the MF, from which other DFs are reachable), 01 (child DF),
///    03 (parent DF), 08 / 09 (paths), any other P1, a non-00 CLA (another
///    logical channel, secure messaging, command chaining of a split SELECT,
///    a proprietary class), and extended-length encodings of any of these.
///  - MANAGE CHANNEL (INS 70) is refused: a new logical channel starts with the
///    MF selected, outside the JPKI AP.
///  - ENVELOPE (INS C2, C3) is refused: it can carry a whole SELECT inside.
///  - Bytes that do not parse as a command APDU are refused (the firewall
///    cannot vouch for them).
///
/// Thread safety: stateless; safe from any thread.
class AidFirewall {
 public:
  /// @returns Ok if the command may be sent; kPermissionDenied (domain kNone)
  /// if a rule above refuses it.
  static Status Check(const CommandApdu& command);

  /// Parses `encoded` and checks it.
  /// @returns Ok, or kPermissionDenied if refused or not a well-formed APDU.
  static Status CheckEncoded(ByteView encoded);
};

}  // namespace mykey::iso7816
