#pragma once

// Counter: the SDK's one facade for a counter terminal (issue 5, "SDK"):
// connect a reader, wait for a card, authenticate the holder (PIN through the
// PinGuard, or tap-only where the service allows it), and then, with the
// holder's card session, their MyKey ID, the ID for this service, balances,
// redemptions (hold, capture, void), refunds, partner coupons, donations,
// MyKey ID creation and change, service links and a lost-card report. Enrolment and the connection
// test (疎通テスト) pass through to the cloud client.
//
// Every call fails with a mykey::Error made by the counter: branch on
// CounterErrorCodeOf(error) (stable, documented per call below) and, after a
// wrong PIN, on PinTriesLeftOf(error). Counter::last_failure() keeps the
// lower layer's error, the cloud's reason and the idempotency key of a
// value-moving call, for logs and recovery. The mapping from the card stack
// and the cloud client to these codes is in one place (src/error_mapping.cc).
//
// Common to every call that talks to the cloud:
//   kCloudUnreachable  no answer; nothing reached the cloud
//   kTerminalRefused   the cloud refused this terminal (suspended, bad
//                      signature, clock more than 300 s off, not enrolled)
//   kCloudError        the cloud failed (5xx, an unexpected answer, TLS) or
//                      refused for a reason this facade has no code for
//                      (last_failure().cloud_reason names it)
// Common to every call that uses the card:
//   kNoCard            no card is connected (call WaitForCard() first)
//   kCardRemoved       the card left the reader (or was reset) during the
//                      call; the card is forgotten and any holder session
//                      ended; nothing half-done stays behind
//   kReaderUnavailable the reader or the reader service (pcscd) is gone
//   kCardError         the card answered something unexpected

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/error.h"
#include "mykey/base/log.h"
#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"
#include "mykey/card_reader/reader_monitor.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/jpki/pin.h"
#include "mykey/jpki/pin_guard.h"
#include "mykey/jpki_profile/jpki_profile.h"
#include "mykey/protocol/card_auth.h"

namespace mykey::counter {

/// What went wrong in a Counter call, stable: branch on this.
enum class CounterErrorCode : uint8_t {
  kNone = 0,  ///< not a counter error
  // Reader and card.
  kReaderUnavailable,  ///< the reader or the reader service is gone
  kTimeout,            ///< no card (or no removal) within the wait
  kCancelled,          ///< Cancel() was called, or the PinEntry gave no PIN
  kNoCard,             ///< the call needs a connected card (WaitForCard())
  kCardRemoved,        ///< the card left the reader during the call
  kNotJpkiCard,        ///< no JPKI applet, or its certificate is unreadable
  kCardError,          ///< an unexpected answer from the card
  // PIN (through jpki::PinGuard; the counter never retries a PIN).
  kWrongPin,                  ///< wrong PIN: PinTriesLeftOf() tells the tries left (>= 1)
  kPinBlocked,                ///< the PIN is blocked (now, or already: nothing was sent)
  kLastTryNeedsConfirmation,  ///< one try left and the holder did not confirm: nothing sent
  kTapOnlyNotAllowed,         ///< tap-only authentication is off for this service
  kPinSessionRequired,        ///< the call needs a PIN-authenticated holder session
  kNotAuthenticated,          ///< the call needs a holder session (Authenticate())
  kWrongPurpose,              ///< the holder session was opened for another purpose
  kSessionExpired,            ///< the cloud no longer knows the session: authenticate again
  kCardRevoked,               ///< the certificate is revoked (CRL or local revocation set)
  kCardSuspended,             ///< the MyKey ID is suspended (lost card reported)
  kCertificateExpired,        ///< the certificate is expired or not yet valid
  kCertificateUntrusted,      ///< the certificate does not chain, or the signature is bad
  kChallengeFailed,           ///< the cloud's challenge expired or was used: try again
  // Holder and service.
  kNoMyKeyId,      ///< the holder has no MyKey ID yet (CreateMyKeyId())
  kHasMyKeyId,     ///< the holder already has a MyKey ID (ChangeMyKeyId())
  kMyKeyIdTaken,   ///< the wanted MyKey ID belongs to someone else
  kNoServiceLink,  ///< the holder has no ID at this service (LinkService())
  kInvalidValue,   ///< a value the cloud or the counter refuses (ID format, amount)
  // Points.
  kInsufficientBalance,    ///< not enough points
  kNotAccepted,            ///< programme not accepted here, other municipality, merchant suspended
  kUnknownProgramme,       ///< no such programme
  kUnknownRedemption,      ///< no such redemption (capture, void, refund, recovery)
  kAlreadyCaptured,        ///< void of a captured hold
  kAlreadyVoided,          ///< capture of a voided (or expired) hold
  kHoldExpired,            ///< capture of a hold that expired
  kNotCaptured,            ///< refund of a redemption that is not captured
  kRefundExceedsCaptured,  ///< refund larger than what is left of the redemption
  kIdempotencyKeyReuse,    ///< the key was used with another request
  kOutcomeUnknown,         ///< value-moving call whose answer was lost and could not be
                           ///< recovered: last_failure().idempotency_key; RecoverRedemption()
  kNotApplied,             ///< the lost call did not happen: repeating it is safe
  // Cloud and terminal.
  kCloudUnreachable,  ///< no answer from the cloud; nothing reached it
  kTerminalRefused,   ///< the cloud refused this terminal (see the header comment)
  kCloudError,        ///< the cloud failed or refused for another reason
  kInternal,          ///< a bug, or a lower layer's unexpected error
  // Coupons and donations (added after the first release of this enum).
  kCouponMalformed,        ///< the coupon code is mistyped (its check symbol fails)
  kCouponUnknown,          ///< no such coupon
  kCouponUsed,             ///< the coupon was converted already
  kCouponExpired,          ///< the coupon expired
  kTooManyAttempts,        ///< too many wrong coupons: this terminal is locked for a while
  kNoDefaultMunicipality,  ///< the holder has not chosen where conversions land
  kUnknownMunicipality,    ///< no such municipality
  kNotAProject,            ///< the donation target is not a project
  // Offline mode (added later still).
  kUnknownHolder,   ///< offline: no MyKey ID learned for this card at this terminal
  kOfflineRefused,  ///< offline: the journal refused (last_failure().offline_refusal names why)
  // Paper vouchers.
  kVoucherUnknown,          ///< no such voucher (or one this site may not see)
  kVoucherAlreadyRedeemed,  ///< the voucher was redeemed before
  kVoucherExpired,          ///< the voucher is past its expiry day
  kVoucherNotIssued,        ///< the voucher's print was never confirmed (pending)
  kVoucherVoided,           ///< the voucher was voided (its print failed)
  kVoucherInvalid,          ///< not a voucher serial or token (malformed, check symbol wrong)
};

/// The stable lower-case name of a code ("wrong_pin", "card_removed").
std::string_view CounterErrorCodeName(CounterErrorCode code) noexcept;

/// The CounterErrorCode of an Error returned by a Counter call; kNone for any
/// other Error.
CounterErrorCode CounterErrorCodeOf(const Error& error) noexcept;

/// The PIN tries left packed in a kWrongPin error (1..3); nullopt otherwise.
std::optional<int> PinTriesLeftOf(const Error& error) noexcept;

/// The mykey::Error for `code` (and, for kWrongPin, the tries left): its
/// ErrorCode follows the meaning (kCardRemoved → kAborted, kWrongPin →
/// kUnauthenticated, kPinBlocked → kResourceExhausted, …), domain kNone, and
/// a detail that CounterErrorCodeOf() and PinTriesLeftOf() read back.
Error MakeCounterError(CounterErrorCode code,
                       std::optional<int> tries_left = std::nullopt) noexcept;

/// Everything known about the last failed call of a Counter.
///
/// Thread safety: a value type; not synchronised.
struct CounterFailure {
  CounterErrorCode code = CounterErrorCode::kNone;
  std::optional<int> tries_left;  ///< for kWrongPin
  /// The lower layer's error (card, reader, cloud client) as it came.
  Error cause{ErrorCode::kInternal, "none"};
  std::string cloud_reason;     ///< the cloud's reason ("insufficient_balance"), if any
  std::string request_id;       ///< the cloud's request id, if any
  std::string idempotency_key;  ///< the key of a value-moving call (to recover it)
  /// kOfflineRefused: the offline module's refusal name ("over_operation_limit").
  std::string offline_refusal;
};

/// How the holder proved themselves.
enum class AuthLevel : uint8_t {
  kPin,      ///< PIN verified, the card signed the cloud's challenge: a cloud card session
  kTapOnly,  ///< the certificate was read without a PIN: no cloud session, no value moves
  /// The cloud was unreachable: PIN verified, the card signed the offline
  /// module's challenge; the MyKey ID is the one learned for this certificate
  /// at this terminal. Only Redeem() (no hold) works, through the OfflineAuthorizer.
  kOffline,
};

/// A connected card, as WaitForCard() found it.
///
/// Thread safety: a value type; not synchronised.
struct CardInfo {
  std::string reader;
  Bytes atr;
  jpki::TokenType token_type = jpki::TokenType::kPlasticCard;
};

/// The auth PIN's state, for the UI ("2 tries left").
///
/// Thread safety: a value type; not synchronised.
struct PinState {
  int tries_left = 0;     ///< 0..3
  bool blocked = false;   ///< only the municipal office can unblock it
  bool last_try = false;  ///< one try left: a wrong PIN blocks the card
};

/// The authenticated holder. It carries no secret: the cloud's session token
/// stays inside the Counter.
///
/// Thread safety: a value type; not synchronised.
struct HolderSession {
  AuthLevel level = AuthLevel::kPin;
  protocol::CardAuthPurpose purpose = protocol::CardAuthPurpose::kLogin;
  std::optional<std::string> mykey_id;    ///< nullopt: the holder has none (yet)
  std::string certificate_serial_masked;  ///< for logs and receipts ("************3F")
  std::string expires_at;                 ///< the cloud session's expiry; empty for tap-only
  /// The PIN tries left after the authentication (3 after a good PIN);
  /// nullopt for tap-only.
  std::optional<int> pin_tries_left;
};

/// A redemption to make for the authenticated holder.
///
/// Thread safety: a value type; not synchronised.
struct RedemptionOrder {
  int64_t programme_id = 0;
  int64_t amount = 0;
  bool hold = false;            ///< true: hold now, Capture() or Void() later
  std::string idempotency_key;  ///< empty: the counter makes one
};

/// A donation of the authenticated holder's points to a project.
///
/// Thread safety: a value type; not synchronised.
struct DonationOrder {
  int64_t programme_id = 0;  ///< whose points are given
  int64_t project_id = 0;    ///< the project (a project programme)
  int64_t amount = 0;
  std::string display_name;     ///< opt-in name on the donor list; empty: anonymous
  std::string idempotency_key;  ///< empty: the counter makes one
};

/// A voucher to issue against the authenticated holder's points (IssueVoucher()).
///
/// Thread safety: a value type; not synchronised.
struct VoucherOrder {
  int64_t programme_id = 0;     ///< the programme whose points pay for it
  int64_t amount = 0;           ///< points, > 0
  std::string expires_on;       ///< last Japan day "YYYY-MM-DD" (required)
  std::string idempotency_key;  ///< empty: the counter makes one
};

/// A step of a flow, for the host's progress display.
enum class FlowStep : uint8_t {
  kWaitingForCard,
  kReadingCard,         ///< SELECT, token type, certificate
  kCheckingRevocation,  ///< the local revocation set (when a RevocationCheck is set)
  kReadingPinTries,
  kWaitingForPin,  ///< the PinEntry was asked
  kVerifyingPin,
  kRequestingChallenge,
  kSigning,
  kOpeningSession,
  kLookingUpService,
  kReadingBalances,
  kRedeeming,
  kCapturing,
  kVoiding,
  kRefunding,
  kRecovering,  ///< asking the cloud for a lost answer (operation lookup)
  kCreatingMyKeyId,
  kChangingMyKeyId,
  kLinkingService,
  kReportingLost,
  kEnrolling,
  kTestingConnection,
  kConvertingCoupon,
  kDonating,
  kSettingMunicipality,
};

/// The stable lower-case name of a step ("verifying_pin").
std::string_view FlowStepName(FlowStep step) noexcept;

/// The offline journal's state, reported by the offline module (sdk/journal)
/// through Counter::ReportOfflineQueue().
///
/// Thread safety: a value type; not synchronised.
struct OfflineQueueState {
  int64_t pending = 0;          ///< journalled operations not yet forwarded
  bool cloud_reachable = true;  ///< as last seen
};

/// Events to the host application.
///
/// Delivery thread: every callback runs synchronously on the thread that made
/// the Counter call that caused it, before that call returns (the Counter
/// starts no threads). Callbacks must not call back into the Counter (except
/// Cancel()). Events never carry a PIN, a session token or an unmasked ID.
///
/// Thread safety: called from one thread at a time (the Counter's owner).
class CounterListener {
 public:
  virtual ~CounterListener() = default;
  /// A reader was added or removed, a card inserted or removed (seen by
  /// WaitForCard(), WaitForCardRemoval(), or a card call that lost its card).
  virtual void OnReaderEvent(const hal::ReaderEvent& event) { (void)event; }
  /// The auth PIN's tries left, read before a PIN is asked for and after a
  /// VERIFY.
  virtual void OnPinTriesLeft(const PinState& state) { (void)state; }
  /// A flow entered `step`.
  virtual void OnProgress(FlowStep step) { (void)step; }
  /// The offline queue changed (see OfflineQueueState). Runs on the thread
  /// that called Counter::ReportOfflineQueue(), which may not be the owner's:
  /// a listener that overrides it makes it thread-safe.
  virtual void OnOfflineQueue(const OfflineQueueState& state) { (void)state; }
};

/// What the holder is asked, when the PIN is needed.
///
/// Thread safety: a value type; not synchronised.
struct PinRequest {
  int tries_left = 0;
  bool last_try = false;
  /// The reader the card is in: a PIN pad may watch it and give up at once
  /// when the card is taken away (see PinEntry::RequestPin()).
  std::string reader;
};

/// The host's PIN pad. The Counter asks it at most once per Authenticate()
/// (never again after a wrong PIN: the host decides whether to start over).
///
/// Thread safety: called on the Counter's owning thread.
class PinEntry {
 public:
  virtual ~PinEntry() = default;
  /// With one try left, before the PIN is asked: the holder's explicit
  /// answer to "a wrong PIN blocks the card; continue?".
  virtual jpki::LastTryConfirmation ConfirmLastTry() = 0;
  /// Asks the holder for the 4-digit auth PIN (never echoed by the host).
  /// @returns the PIN (the Counter wipes it after the VERIFY); kAborted: the
  ///          card left request.reader while the holder was asked (the call
  ///          fails with kCardRemoved, the card is forgotten, nothing sent);
  ///          any other error means the holder cancelled (the call fails with
  ///          kCancelled, nothing sent).
  virtual Result<jpki::Pin> RequestPin(const PinRequest& request) = 0;
};

/// What the local revocation set says about a card or a MyKey ID.
enum class RevocationVerdict : uint8_t { kNotListed, kRevoked, kSuspended };

/// Hook for the local revocation set (built in sdk/revocation). When set in
/// CounterOptions, Authenticate() asks it after reading the certificate and
/// before asking for the PIN: a listed card is refused without a PIN try and
/// without a cloud call. A failing check is logged and ignored online (the
/// cloud checks too).
///
/// Thread safety: called on the Counter's owning thread.
class RevocationCheck {
 public:
  virtual ~RevocationCheck() = default;
  /// @param certificate_serial_hex the auth certificate's serial, upper-case
  ///        hex (full: do not log it unmasked)
  virtual Result<RevocationVerdict> CheckCertificate(std::string_view certificate_serial_hex) = 0;
  /// @param mykey_id the MyKey ID the cloud returned (do not log it unmasked)
  virtual Result<RevocationVerdict> CheckMyKeyId(std::string_view mykey_id) = 0;
};

/// A redemption the offline module is asked to authorise locally, with the
/// card's evidence (see sdk/journal's README, "What offline authentication proves").
///
/// Thread safety: a value type; not synchronised.
struct OfflineRedemptionRequest {
  std::string certificate_serial_hex;
  std::optional<std::string> mykey_id;
  int64_t programme_id = 0;
  int64_t amount = 0;
  std::string idempotency_key;  ///< empty: the offline module makes one
  Bytes certificate_der;        ///< the card's user-authentication certificate
  Bytes challenge;              ///< from NewChallenge()
  /// The card's SIGN of protocol::CardAuthDigest(challenge, terminal id, kLogin).
  Bytes signature;
};

/// Hook for offline authorisation (the terminal plugs sdk/journal in here).
/// When the cloud is unreachable while a kLogin session is opened (after the
/// PIN was verified), the Counter asks NewChallenge(), has the card sign it
/// (the same message as online) and asks KnownHolder() for the MyKey ID it
/// may trust: one learned by RememberHolder() after an earlier online PIN
/// session of the same certificate at this terminal. Redeem() then goes to
/// AuthorizeRedemption().
///
/// Thread safety: called on the Counter's owning thread.
class OfflineAuthorizer {
 public:
  virtual ~OfflineAuthorizer() = default;
  /// @returns a fresh single-use challenge (32 bytes), or an error (offline off).
  virtual Result<Bytes> NewChallenge() = 0;
  /// @param certificate_der the card's authentication certificate
  /// @returns the MyKey ID learned for it; nullopt if none; an error if the
  ///          store cannot be read.
  virtual Result<std::optional<std::string>> KnownHolder(ByteView certificate_der) = 0;
  /// Learns that `certificate_der` belongs to `mykey_id` (called after every
  /// online PIN session that returned a MyKey ID). Failures are the module's to log.
  virtual void RememberHolder(ByteView certificate_der, std::string_view mykey_id) = 0;
  /// @returns the journalled redemption (redemption_id 0, state "pending",
  ///          its idempotency key), or the module's refusal.
  virtual Result<cloud_client::Redemption> AuthorizeRedemption(
      const OfflineRedemptionRequest& request) = 0;
  /// @returns the stable name of a refusal AuthorizeRedemption() returned
  ///          ("over_operation_limit"); empty if it is not one.
  virtual std::string RefusalName(const Error& error) = 0;
};

/// How a Counter behaves. Language-independent: the Counter returns codes and
/// numbers, the host words them.
///
/// Thread safety: a value type; not synchronised.
struct CounterOptions {
  /// The reader to use; empty: the first reader that holds a card.
  std::string reader;
  /// The service allows tap-only authentication (a library lookup). Even
  /// then a tap-only holder never moves value or links a service.
  bool allow_tap_only = false;
  /// Records of the Counter below this level are not written (the process-
  /// wide level of mykey::log applies as well). Records never hold a PIN, a
  /// session token or an unmasked ID.
  log::Level log_level = log::Level::kInfo;
  /// Events to the host; borrowed, may be nullptr.
  CounterListener* listener = nullptr;
  /// The local revocation set; borrowed, may be nullptr.
  RevocationCheck* revocation = nullptr;
  /// Offline authorisation (see OfflineAuthorizer); borrowed, may be nullptr: no offline mode.
  OfflineAuthorizer* offline = nullptr;
};

/// The counter facade: one card at a time, one holder session at a time.
///
/// A typical shop flow: WaitForCard() → Authenticate(kLogin, pin_pad) →
/// Balances() → Redeem() → (hold) Capture() / Void() → EndHolderSession() →
/// WaitForCardRemoval().
///
/// The card is forgotten (and any holder session ended) when it is removed
/// mid-call, on EndHolderSession(), and on the next WaitForCard(). Calls that
/// only need the cloud (Capture, Void, Refund, RecoverRedemption, enrolment,
/// connection test) work without a card; calls for the holder need a holder
/// session, but not the card itself once authenticated.
///
/// Thread safety: Cancel() and ReportOfflineQueue() may be called from any
/// thread; everything else from the one owning thread. Listener callbacks run
/// on that thread (OnOfflineQueue() on ReportOfflineQueue()'s).
class Counter {
 public:
  /// @param monitor borrowed; must outlive the Counter; opens the readers
  /// @param cloud   borrowed; must outlive the Counter; enrolled for every
  ///                call but Enroll()
  /// @returns the Counter (never fails today; Result for later checks).
  static Result<std::unique_ptr<Counter>> Create(hal::ReaderMonitor& monitor,
                                                 cloud_client::CloudClient& cloud,
                                                 CounterOptions options);
  ~Counter();
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // --- Reader and card ----------------------------------------------------

  /// Waits for a card in the configured reader (or any reader), connects it
  /// and selects the JPKI applet. Ends any earlier holder session and card.
  /// Reports reader and card events to the listener as they happen.
  /// @param timeout how long to wait for a card to be presented
  /// @returns the card; kTimeout, kCancelled, kReaderUnavailable,
  ///          kCardRemoved (gone before it could be read), kNotJpkiCard (no
  ///          JPKI applet or unknown token), kCardError.
  Result<CardInfo> WaitForCard(std::chrono::milliseconds timeout);

  /// Waits until the card is taken away (or, with no card, returns at once).
  /// Ends the holder session at once; keeps the card connected during the
  /// wait and forgets (disconnects) it afterwards, whatever the outcome.
  /// @returns Ok; kTimeout, kCancelled, kReaderUnavailable.
  Status WaitForCardRemoval(std::chrono::milliseconds timeout);

  /// Wakes a blocked WaitForCard()/WaitForCardRemoval() with kCancelled (or
  /// the next one, if none is blocked). Thread-safe.
  void Cancel();

  /// The card connected now, if any.
  const std::optional<CardInfo>& card() const { return card_; }

  // --- Authentication -------------------------------------------------------

  /// Reads the auth PIN's tries left without using a try, and reports them
  /// to the listener.
  /// @returns the state; kNoCard, kCardRemoved, kReaderUnavailable, kCardError.
  Result<PinState> ReadPinState();

  /// Authenticates the holder with the PIN: reads the certificate, asks the
  /// local revocation set (if any), reads the tries left (reported to the
  /// listener), asks `pin_entry` to confirm a last try and for the PIN, VERIFYs
  /// through the PinGuard (once: never retried), has the card sign the
  /// cloud's challenge (MYKEY-CARD-AUTH-1 for `purpose`), and opens the cloud
  /// card session. The PIN is wiped after the VERIFY whatever happens, and
  /// never logged. On failure no holder session remains.
  /// @param purpose   what the session is for (kLogin to look up and move
  ///                  points; kCreateMyKeyId; kLinkService; kReportLost)
  /// @param pin_entry the host's PIN pad; borrowed for the call
  /// @returns the holder; kNoCard, kCardRemoved (before or while signing: no
  ///          session is opened), kReaderUnavailable, kCardError,
  ///          kNotJpkiCard; kWrongPin (PinTriesLeftOf()), kPinBlocked
  ///          (blocked before: nothing was sent; or by this try),
  ///          kLastTryNeedsConfirmation (nothing sent), kCancelled (no PIN
  ///          given, nothing sent); kCardRevoked, kCardSuspended,
  ///          kCertificateExpired, kCertificateUntrusted, kChallengeFailed;
  ///          the common cloud errors.
  Result<HolderSession> Authenticate(protocol::CardAuthPurpose purpose, PinEntry& pin_entry);

  /// As above, with a PIN the host collected already (after ReadPinState())
  /// and the holder's answer to the last-try question. The PIN is consumed.
  /// @returns as above; kLastTryNeedsConfirmation when one try is left and
  ///          `confirmation` is kNotConfirmed (the PIN is wiped, nothing sent).
  Result<HolderSession> Authenticate(
      protocol::CardAuthPurpose purpose, jpki::Pin pin,
      jpki::LastTryConfirmation confirmation = jpki::LastTryConfirmation::kNotConfirmed);

  /// Tap-only: reads the auth certificate without a PIN (and asks the local
  /// revocation set). Weaker (a certificate can be copied): the session
  /// moves no value and links nothing, and has no cloud session.
  /// @returns the holder (level kTapOnly, no MyKey ID); kTapOnlyNotAllowed
  ///          (options), kNoCard, kCardRemoved, kReaderUnavailable,
  ///          kNotJpkiCard (also a phone token, whose certificate needs the
  ///          PIN), kCardError, kCardRevoked, kCardSuspended.
  Result<HolderSession> AuthenticateTapOnly();

  /// The current holder session, if any.
  const std::optional<HolderSession>& holder() const { return holder_; }

  /// Ends the holder session and forgets the card (disconnecting it, so the
  /// card's PIN state is dropped). Safe to call at any time.
  void EndHolderSession();

  // --- Holder and service ---------------------------------------------------

  /// The holder's ID at this terminal's service provider.
  /// @returns the link; kNotAuthenticated, kPinSessionRequired (tap-only:
  ///          the cloud has no tap-only lookup yet), kWrongPurpose (the
  ///          session is not kLogin), kSessionExpired, kNoServiceLink,
  ///          kNoMyKeyId; the common cloud errors.
  Result<cloud_client::ServiceLink> ServiceId();

  /// The holder's balances per programme.
  /// @returns the balances; kNotAuthenticated, kPinSessionRequired,
  ///          kNoMyKeyId; the common cloud errors.
  Result<cloud_client::Balances> Balances();

  /// Creates the holder's MyKey ID (session purpose kCreateMyKeyId).
  /// @param wanted an ID the holder chose, or nullopt for a random one
  /// @returns the new ID (also in holder()); kNotAuthenticated,
  ///          kPinSessionRequired, kWrongPurpose, kSessionExpired,
  ///          kHasMyKeyId, kMyKeyIdTaken, kInvalidValue; the common cloud errors.
  Result<std::string> CreateMyKeyId(std::optional<std::string_view> wanted = std::nullopt);

  /// Changes the holder's MyKey ID (session purpose kCreateMyKeyId).
  /// @returns the new ID (also in holder()); kNotAuthenticated,
  ///          kPinSessionRequired, kWrongPurpose, kSessionExpired, kNoMyKeyId,
  ///          kMyKeyIdTaken, kInvalidValue; the common cloud errors.
  Result<std::string> ChangeMyKeyId(std::optional<std::string_view> wanted = std::nullopt);

  /// Links `service_id` at this terminal's provider to the holder (session
  /// purpose kLinkService).
  /// @returns the link; kNotAuthenticated, kPinSessionRequired, kWrongPurpose,
  ///          kSessionExpired, kNoMyKeyId, kInvalidValue; the common cloud errors.
  Result<cloud_client::ServiceLink> LinkService(std::string_view service_id);

  /// The holder reports their card lost: the MyKey ID is suspended at once
  /// (session purpose kReportLost). Ends the holder session.
  /// @returns Ok; kNotAuthenticated, kPinSessionRequired, kWrongPurpose,
  ///          kSessionExpired, kNoMyKeyId; the common cloud errors.
  Status ReportLost();

  // --- Points ---------------------------------------------------------------

  /// Redeems (or holds) points of the holder (PIN session, purpose kLogin,
  /// with a MyKey ID). A lost answer is retried by the client with the same
  /// key; if still unknown, the counter asks the cloud's operation lookup
  /// once: found → the redemption; not found → kNotApplied.
  /// @returns the redemption; kNotAuthenticated, kPinSessionRequired,
  ///          kWrongPurpose, kNoMyKeyId, kInvalidValue (amount <= 0),
  ///          kInsufficientBalance, kNotAccepted, kUnknownProgramme,
  ///          kIdempotencyKeyReuse, kOutcomeUnknown (last_failure() has the
  ///          key: RecoverRedemption() later), kNotApplied; the common cloud errors.
  Result<cloud_client::Redemption> Redeem(const RedemptionOrder& order);

  /// Captures a hold (no card or holder needed).
  /// @param idempotency_key empty: the counter makes one
  /// @returns the redemption; kUnknownRedemption, kAlreadyVoided,
  ///          kHoldExpired, kOutcomeUnknown, kNotApplied; the common cloud errors.
  Result<cloud_client::Redemption> Capture(int64_t redemption_id,
                                           std::string_view idempotency_key = {});

  /// Voids a hold (no card or holder needed).
  /// @returns the redemption (state "voided" or "expired"); kUnknownRedemption,
  ///          kAlreadyCaptured, kOutcomeUnknown, kNotApplied; the common cloud errors.
  Result<cloud_client::Redemption> Void(int64_t redemption_id,
                                        std::string_view idempotency_key = {});

  /// Refunds part or all of a captured redemption (no card or holder needed).
  /// @returns the refund; kInvalidValue (amount <= 0), kUnknownRedemption,
  ///          kNotCaptured, kRefundExceedsCaptured, kOutcomeUnknown; the
  ///          common cloud errors.
  Result<cloud_client::Refund> Refund(int64_t redemption_id, int64_t amount,
                                      std::string_view idempotency_key = {});

  /// Settles a kOutcomeUnknown redemption, capture or void by its key.
  /// @returns the redemption (replayed = true); kNotApplied (it did not
  ///          happen: repeat the call with the key), kOutcomeUnknown (still
  ///          no answer); the common cloud errors.
  Result<cloud_client::Redemption> RecoverRedemption(std::string_view idempotency_key);

  /// Converts a partner's coupon code typed at the kiosk for the holder (PIN
  /// session, purpose kLogin). The points are pending and land after the hold
  /// period in the holder's default municipality. A lost answer is retried by
  /// the client with the same key; kOutcomeUnknown: repeat with
  /// last_failure().idempotency_key.
  /// @param code the code as typed (the cloud checks its check symbol)
  /// @param idempotency_key empty: the counter makes one
  /// @returns the conversion; kNotAuthenticated, kPinSessionRequired,
  ///          kWrongPurpose, kSessionExpired, kCouponMalformed, kCouponUnknown,
  ///          kCouponUsed, kCouponExpired, kNoDefaultMunicipality,
  ///          kTooManyAttempts, kOutcomeUnknown; the common cloud errors.
  Result<cloud_client::CloudClient::PointsConversion> ConvertCoupon(
      std::string_view code, std::string_view idempotency_key = {});

  /// Gives the holder's points to a project (PIN session, purpose kLogin),
  /// soonest-expiring points first.
  /// @returns the donation; kNotAuthenticated, kPinSessionRequired,
  ///          kWrongPurpose, kSessionExpired, kInvalidValue (amount <= 0),
  ///          kInsufficientBalance, kNotAProject, kNotAccepted,
  ///          kUnknownProgramme, kOutcomeUnknown; the common cloud errors.
  Result<cloud_client::CloudClient::PointsDonation> Donate(const DonationOrder& order);

  /// The holder chooses where their coupon conversions land (PIN session,
  /// purpose kLogin, with a MyKey ID).
  /// @param municipality_code 6 digits
  /// @returns Ok; kNotAuthenticated, kPinSessionRequired, kWrongPurpose,
  ///          kSessionExpired, kNoMyKeyId, kUnknownMunicipality; the common
  ///          cloud errors.
  Status SetDefaultMunicipality(std::string_view municipality_code);

  // --- Vouchers (src/counter_vouchers.cc) ------------------------------------

  /// Issues a paper voucher against the authenticated holder's points (PIN
  /// session, purpose kLogin, with a MyKey ID): the cloud checks the holder's
  /// card session at this terminal. The voucher is pending_print until
  /// ConfirmVoucherPrinted() (see sdk/voucher, "Proof of print").
  /// @returns the voucher (token to print, serial); kNotAuthenticated,
  ///          kPinSessionRequired, kWrongPurpose, kSessionExpired, kNoMyKeyId,
  ///          kInvalidValue (amount <= 0, no expiry day), kInsufficientBalance,
  ///          kNotAccepted, kUnknownProgramme, kOutcomeUnknown (last_failure()
  ///          has the key); the common cloud errors.
  Result<cloud_client::CloudVoucher> IssueVoucher(const VoucherOrder& order);

  /// Tells the cloud the printer confirmed the voucher's print (issuing
  /// terminal; no card needed). Then the voucher is in circulation.
  /// @returns the voucher ("issued"); kVoucherUnknown, kVoucherVoided,
  ///          kVoucherAlreadyRedeemed, kVoucherExpired, kVoucherInvalid,
  ///          kOutcomeUnknown; the common cloud errors.
  Result<cloud_client::CloudVoucher> ConfirmVoucherPrinted(std::string_view serial,
                                                           std::string_view idempotency_key = {});

  /// Voids a pending voucher whose print failed: the points go back (issuing
  /// terminal; no card needed).
  /// @returns the voucher ("voided"); kVoucherUnknown, kVoucherAlreadyRedeemed,
  ///          kVoucherExpired, kVoucherInvalid, kCloudError (already_issued),
  ///          kOutcomeUnknown; the common cloud errors.
  Result<cloud_client::CloudVoucher> VoidVoucher(std::string_view serial,
                                                 std::string_view idempotency_key = {});

  /// Redeems a voucher at this terminal's merchant, once (no card needed).
  /// Verify the token offline first (sdk/voucher's ScanVoucher); this call
  /// only reads the serial from it.
  /// @param voucher the scanned token ("MKV:...") or a serial as typed (ASCII whitespace at
  ///                the ends, e.g. a scanner's CR/LF, is ignored; a serial typed with a
  ///                Japanese IME is folded: protocol::VoucherSerial::Parse())
  /// @param idempotency_key empty: the counter makes one
  /// @returns the voucher ("redeemed", amount); kVoucherInvalid (neither a
  ///          token nor a serial with a right check symbol),
  ///          kVoucherAlreadyRedeemed, kVoucherExpired, kVoucherNotIssued,
  ///          kVoucherVoided, kVoucherUnknown, kNotAccepted (programme not
  ///          accepted here, merchant suspended), kOutcomeUnknown (repeat with
  ///          last_failure().idempotency_key); the common cloud errors.
  Result<cloud_client::CloudVoucher> RedeemVoucher(std::string_view voucher,
                                                   std::string_view idempotency_key = {});

  /// A voucher as the cloud has it now (read-only; no card needed): its
  /// state ("pending_print", "issued", "voided", "redeemed", "expired").
  /// @returns the voucher; kVoucherInvalid (not a serial or token),
  ///          kVoucherUnknown (no such voucher, or another site's); the
  ///          common cloud errors.
  Result<cloud_client::CloudVoucher> GetVoucher(std::string_view serial);

  /// The cloud's published voucher verification keys (for offline checks).
  /// @returns the keys, current first; the common cloud errors.
  Result<std::vector<cloud_client::VoucherPublicKey>> VoucherKeys();

  // --- Terminal -------------------------------------------------------------

  /// Enrols this terminal with its one-time code (CloudClient::Enroll()).
  /// @returns the terminal's info; kTerminalRefused (wrong, used or expired
  ///          code), kInvalidValue, kInternal (the key files cannot be
  ///          written); kCloudUnreachable, kCloudError.
  Result<cloud_client::TerminalInfo> Enroll(std::string_view code, std::string_view name,
                                            crypto::EcdsaPrivateKey key,
                                            const cloud_client::TerminalIdentityFiles& files);

  /// The connection test (疎通テスト, CloudClient::ConnectionTest()).
  /// @returns the result (site, round trip, clock skew); kTerminalRefused
  ///          (also a clock more than 300 s off), kCloudUnreachable, kCloudError.
  Result<cloud_client::ConnectionTestResult> ConnectionTest();

  /// Passes the offline journal's state to the listener's OnOfflineQueue().
  /// Unlike the other calls it may be made from any thread (the journal's
  /// forwarder runs on its own); the callback then runs on that thread.
  void ReportOfflineQueue(const OfflineQueueState& state);

  // --- Diagnostics ----------------------------------------------------------

  /// The last failure of a call on this Counter (reset by every call).
  const CounterFailure& last_failure() const { return last_failure_; }

  /// Changes the Counter's log level (see CounterOptions::log_level).
  void set_log_level(log::Level level) { options_.log_level = level; }

 private:
  struct CardState;

  Counter(hal::ReaderMonitor& monitor, cloud_client::CloudClient& cloud, CounterOptions options);

  Result<HolderSession> AuthenticateWithPin(protocol::CardAuthPurpose purpose, PinEntry& pin_entry);
  Result<HolderSession> OpenCloudSession(protocol::CardAuthPurpose purpose, ByteView certificate,
                                         const std::string& serial_hex);
  Result<std::string> SessionFor(protocol::CardAuthPurpose purpose);
  // The caller's idempotency key, or a new one; kept in last_failure_ until
  // the call succeeds, so that a lost answer can be settled by it.
  Result<std::string> OperationKey(std::string_view given);
  Status CheckRevocation(const std::string& serial_hex);
  ::mykey::internal::Unexpected Refuse(CounterErrorCode code, const Error& cause);
  ::mykey::internal::Unexpected RefuseCard(const Error& cause);
  ::mykey::internal::Unexpected RefuseCloud(const Error& cause);
  Result<cloud_client::Redemption> SettleRedemption(const Error& error);
  // counter_offline.cc
  Result<HolderSession> AuthenticateOffline(ByteView certificate, const Error& unreachable);
  Result<cloud_client::Redemption> RedeemOffline(const RedemptionOrder& order);
  void RememberHolder(ByteView certificate, const HolderSession& holder);
  void BeginCall();
  void Progress(FlowStep step);
  void Log(log::Level level, std::string_view message);
  void ForgetCard();
  void ForgetHolder();  // ends the holder session, keeps the card

  hal::ReaderMonitor& monitor_;
  cloud_client::CloudClient& cloud_;
  CounterOptions options_;
  std::unique_ptr<CardState> card_state_;
  std::optional<CardInfo> card_;
  std::optional<HolderSession> holder_;
  std::string session_token_;  // the cloud's bearer token; never logged
  std::string serial_hex_;     // the holder's certificate serial; never logged unmasked
  Bytes offline_certificate_;  // kOffline holder: the card's evidence for the journal
  Bytes offline_challenge_;
  Bytes offline_signature_;
  CounterFailure last_failure_;
};

}  // namespace mykey::counter
