#pragma once

// LedgerUplink: how the journal's forwarder reaches the cloud's ledger. The
// answers are reduced to what the forwarder decides on; CloudLedgerUplink
// maps CloudClient's errors onto them.

#include <cstdint>
#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_client.h"

namespace mykey::journal {

/// One redemption to forward.
struct ForwardRequest {
  std::string idempotency_key;  ///< the journal entry's key, the same on every attempt
  std::string mykey_id;
  int64_t programme_id = 0;
  int64_t amount = 0;
};

/// What an attempt came to.
struct ForwardOutcome {
  enum class Kind : uint8_t {
    kApplied,      ///< the ledger applied it (now or before: a replay)
    kRefused,      ///< the ledger refused it for good (insufficient balance, unknown ID, ...)
    kNotApplied,   ///< (Recover only) no operation with this key: sending it again is safe
    kUnknown,      ///< the request may have reached the ledger; the answer was lost
    kUnavailable,  ///< nothing was applied this time (unreachable, 5xx, the terminal refused
                   ///< as a whole: clock, signature, suspended): try later
  };
  Kind kind = Kind::kUnavailable;
  int64_t redemption_id = 0;  ///< kApplied
  int64_t balance = 0;        ///< kApplied: the holder's balance after it
  std::string reason;         ///< kRefused/kUnavailable: the cloud's reason or code name
};

/// The ledger as the forwarder sees it.
///
/// Thread safety: implementations are called from one thread at a time.
class LedgerUplink {
 public:
  virtual ~LedgerUplink() = default;
  /// Sends the redemption (immediate capture) with its idempotency key.
  /// @returns the outcome: kApplied, kRefused, kUnknown or kUnavailable.
  virtual ForwardOutcome Redeem(const ForwardRequest& request) = 0;
  /// Looks the key up (an attempt whose answer was lost).
  /// @returns kApplied, kNotApplied, kUnknown or kUnavailable.
  virtual ForwardOutcome Recover(std::string_view idempotency_key) = 0;
};

/// The uplink over CloudClient::Redeem() / RecoverRedemption().
///
/// Refused for good (kRefused): 400 invalid field/parameter, 404 (unknown
/// programme, merchant or ID), 409 (insufficient balance, ...), 422 (key
/// reused with another request), 403 with a reason other than a terminal
/// refusal. Not applied, try later (kUnavailable): unreachable (nothing
/// sent), TLS, 401, a suspended terminal. Everything else (answer lost, 5xx,
/// an unreadable answer) is kUnknown: the forwarder looks the key up first.
///
/// Thread safety: as CloudClient.
class CloudLedgerUplink final : public LedgerUplink {
 public:
  /// @param client borrowed; must outlive the uplink
  explicit CloudLedgerUplink(cloud_client::CloudClient& client) : client_(client) {}
  ForwardOutcome Redeem(const ForwardRequest& request) override;
  ForwardOutcome Recover(std::string_view idempotency_key) override;

 private:
  cloud_client::CloudClient& client_;
};

}  // namespace mykey::journal
