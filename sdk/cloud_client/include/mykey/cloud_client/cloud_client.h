#pragma once

// CloudClient: the terminal's typed client of mykey-cloud's HTTP API
// (cloud/auth, cloud/registry, cloud/ledger READMEs). Every request after
// enrollment is signed with the terminal key (MYKEY-REQ-1); every
// value-moving call carries an idempotency key; retries happen only where
// they are safe.
//
// Errors: every call returns a mykey::Error made by MakeCloudError(): branch
// on CloudErrorCodeOf(error) (stable) and, for refusals, on
// LastCloudError().reason (the cloud's finer name, e.g.
// "insufficient_balance"). Common to all calls:
//   kUnreachable      no answer: for a value-moving call, nothing reached the
//                     cloud; for a GET, no answer after the retries
//   kOutcomeUnknown   the request may have reached the cloud but no answer
//                     came back: value-moving calls carry the key to recover
//                     (GetOperation(), RecoverRedemption()); other calls may be repeated (a
//                     repeat may then be refused as done already, e.g.
//                     has_mykey_id)
//   kTls              the cloud's certificate did not verify against the anchors
//   kTransport        another exchange failure
//   kUnauthenticated  bad signature, clock more than 300 s off, unknown terminal
//   kForbidden        the terminal is suspended (or a rule below)
//   kCloudUnavailable the cloud answered 503 (after the retries)
//   kCloudInternal    the cloud answered 500 (LastCloudError().request_id)
//   kBadResponse      the answer is not the JSON the call expects
//   kFailedPrecondition (ErrorCode, no cloud code): no identity (not enrolled)
//   kInvalidArgument (ErrorCode, no cloud code): an ID or key for the path
//                     that is empty, over 255 characters, or has '/' or
//                     non-printable characters

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_error.h"
#include "mykey/cloud_client/terminal_identity.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/x509.h"
#include "mykey/http_client/http_transport.h"
#include "mykey/protocol/card_auth.h"

namespace mykey::cloud_client {

/// How the client reaches the cloud.
///
/// Thread safety: a value type; not synchronised.
struct CloudClientOptions {
  /// "https://cloud.example.jp" (no trailing '/'); plain http only to loopback.
  std::string base_url;
  /// Attempts of a call that may be retried (GETs, value-moving calls), >= 1.
  int max_attempts = 3;
  /// Pause before retry n: n × this.
  std::chrono::milliseconds retry_backoff{200};
  /// Unix seconds now (the request timestamp). Default: the system clock.
  std::function<int64_t()> now_seconds;
  /// Randomness for nonces and idempotency keys. Default: a SystemRandom the
  /// client owns. Borrowed: must outlive the client.
  crypto::RandomSource* random = nullptr;
};

/// The site a terminal belongs to, as the cloud names it.
struct TerminalSite {
  std::string kind;               ///< "merchant", "library", "kiosk", "facility"
  std::string id;                 ///< the site id (the ledger's merchant id for shops)
  std::string provider_id;        ///< the service provider
  std::string municipality_code;  ///< 6 digits
};

/// What the cloud knows about this terminal (enrollment and GET /v1/terminals/self).
struct TerminalInfo {
  std::string terminal_id;
  TerminalSite site;
  std::string signature_scheme;    ///< "MYKEY-REQ-1"
  int64_t timestamp_window_s = 0;  ///< how far the clock may be off
  int64_t server_time = 0;         ///< the cloud's Unix seconds when it answered
};

/// The result of the connection test (疎通テスト).
struct ConnectionTestResult {
  TerminalInfo terminal;
  /// The cloud's clock minus this terminal's (seconds, at the exchange's midpoint).
  int64_t clock_skew_s = 0;
  std::chrono::milliseconds round_trip{0};
};

/// A card-authentication challenge.
struct CardChallenge {
  std::string challenge_id;
  Bytes challenge;  ///< 32 bytes: give to CardAuthDigestInfo()
  std::string expires_at;
};

/// An opened card session (a bearer secret: never log it).
struct CardSession {
  std::string session;
  std::string expires_at;
  std::optional<std::string> mykey_id;  ///< nullopt when the holder has none yet
};

/// The holder's ID at this terminal's provider.
struct ServiceLink {
  std::string provider_id;
  std::string service_id;
};

/// The spendable and held points of one programme.
struct ProgrammeBalance {
  int64_t programme_id = 0;
  std::string programme_code;
  std::string municipality_code;
  int64_t balance = 0;
  int64_t held = 0;
};

/// A holder's balances.
struct Balances {
  std::string mykey_id;
  std::vector<ProgrammeBalance> programmes;
};

/// A redemption to make.
struct RedeemRequest {
  std::string mykey_id;
  int64_t programme_id = 0;
  int64_t amount = 0;
  bool hold = false;            ///< true: hold now, Capture() or Void() later
  std::string idempotency_key;  ///< empty: the client makes one (NewIdempotencyKey())
};

/// A redemption as the ledger answers it (redeem, capture, void).
struct Redemption {
  std::string idempotency_key;  ///< the key the call used
  bool replayed = false;        ///< the cloud answered a stored result
  std::string operation;        ///< "redemption", "hold", "capture", "void"
  int64_t redemption_id = 0;
  int64_t merchant_id = 0;
  int64_t programme_id = 0;
  std::string mykey_id;
  int64_t amount = 0;
  int64_t refunded = 0;
  std::string state;  ///< "held", "captured", "voided", "expired"
  std::optional<int64_t> hold_expires_at_ms;
  int64_t balance = 0;  ///< the holder's balance after the operation
  int64_t created_at_ms = 0;
};

/// A refund as the ledger answers it.
struct Refund {
  std::string idempotency_key;
  bool replayed = false;
  int64_t transfer_id = 0;
  int64_t redemption_id = 0;
  int64_t amount = 0;
  int64_t refunded_total = 0;
  int64_t balance = 0;
  int64_t created_at_ms = 0;
};

/// A completed value-moving operation found by its idempotency key.
struct Operation {
  std::string idempotency_key;
  std::string state;  ///< "completed"
  int status = 0;     ///< the HTTP status of the original answer
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  std::string result_json;  ///< the original answer's body
};

/// One entry of the revocation feed (GET /v1/revocations; cloud/registry README).
struct RevocationFeedEntry {
  enum class Kind : uint8_t {
    kRevocation,  ///< a revoked certificate serial from an imported JPKI CRL
    kSuspension,  ///< a MyKey ID stopped (lost card reported, operator suspension)
  };
  int64_t sequence = 0;  ///< the feed's number for this entry, increasing
  Kind kind = Kind::kRevocation;
  bool added = true;    ///< false: removed (a suspension lifted); revocations are only added
  Bytes serial;         ///< kRevocation: the serial, big-endian without leading zero octets
  Bytes mykey_id_hash;  ///< kSuspension: SHA-256 of the MyKey ID's 8 ASCII symbols (32 bytes)
};

/// A page of the revocation feed.
struct RevocationFeedPage {
  std::vector<RevocationFeedEntry> entries;  ///< in sequence order
  int64_t next = 0;                          ///< pass as `since` for the next page
  bool more = false;                         ///< more entries follow `next`
};

/// A paper voucher to issue (POST /v1/vouchers; cloud/ledger README "Vouchers").
struct VoucherIssueRequest {
  bool sold = false;     ///< true: sold for cash; false: against the holder's points
  std::string mykey_id;  ///< the holder (points vouchers; empty when sold)
  int64_t programme_id = 0;
  int64_t amount = 0;           ///< points, 1..1,000,000
  std::string expires_on;       ///< last Japan day "YYYY-MM-DD" (sold: empty = the 6-month limit)
  std::string idempotency_key;  ///< empty: the client makes one (NewIdempotencyKey())
  /// A terminal's points voucher: the holder's card session token at this
  /// terminal (the cloud refuses a points voucher without it). Never logged.
  std::string session;
};

/// A voucher as the cloud answers it.
struct CloudVoucher {
  std::string idempotency_key;  ///< the key the call used
  bool replayed = false;        ///< the cloud answered a stored result
  std::string operation;  ///< "issue", "confirm_printed", "void", "reprint", "redemption", "lookup"
  int64_t voucher_id = 0;
  std::string serial;  ///< "7KQ4-MX2P-R9"
  std::string kind;    ///< "granted" or "sold"
  int64_t programme_id = 0;
  std::string municipality_code;
  std::string mykey_id;
  int64_t amount = 0;
  std::string issued_on;
  std::string expires_on;
  int64_t expires_at_ms = 0;
  std::string token;  ///< the signed token text for the QR code ("MKV:...")
  std::string key_id;
  std::string state;  ///< "pending_print", "issued", "voided", "redeemed", "expired"
  int64_t reprints = 0;
  bool duplicate = false;  ///< a reprint: print 再発行 with the original serial
  int64_t issuer_merchant_id = 0;
  std::optional<int64_t> redeemed_merchant_id;
  int64_t created_at_ms = 0;
};

/// A published voucher verification key (GET /v1/voucher-keys).
struct VoucherPublicKey {
  std::string key_id;  ///< hex
  Bytes public_key;    ///< uncompressed P-256 point, 65 bytes
  bool current = false;
};

/// The terminal's client of the cloud.
///
/// Retries: GETs and value-moving calls (with the SAME idempotency key and
/// body, a fresh nonce each time) are retried up to max_attempts when nothing
/// was sent, when the answer was lost (connection broken, timeout) or on
/// 502/503/504. Other POSTs (challenge, session, MyKey ID, link, report lost)
/// are sent once. A 4xx is never retried. A value-moving call whose answers
/// were all lost ends with kOutcomeUnknown and LastCloudError().idempotency_key:
/// settle it with GetOperation() / RecoverRedemption(), or repeat the call
/// with the same key.
///
/// Thread safety: all calls may be made concurrently, except that Enroll()
/// must not race the others.
class CloudClient {
 public:
  /// @param transport borrowed; must outlive the client
  /// @param identity  the enrolled identity, or nullopt before Enroll()
  /// @returns the client; kInvalidArgument if base_url is empty or ends with
  ///          '/', or max_attempts < 1; kInternal if no randomness.
  static Result<std::unique_ptr<CloudClient>> Create(http_client::HttpTransport& transport,
                                                     CloudClientOptions options,
                                                     std::optional<TerminalIdentity> identity);
  ~CloudClient();
  CloudClient(const CloudClient&) = delete;
  CloudClient& operator=(const CloudClient&) = delete;

  /// The enrolled terminal id, or empty.
  std::string terminal_id() const;

  /// A fresh idempotency key: "mk-" and 32 lower-case hex digits.
  /// @returns kInternal if the random source fails.
  Result<std::string> NewIdempotencyKey();

  /// Enrolls this terminal with a one-time code (POST /v1/terminals/enroll,
  /// unsigned, sent once): writes `key` to files.key_path (mode 0600) first,
  /// then, once enrolled, the new terminal id, and signs every later call
  /// with them.
  /// @param code  the one-time enrollment code as typed
  /// @param name  a name for the terminal ("Till 1")
  /// @param key   the new terminal key (EcdsaPrivateKey::Generate())
  /// @returns the terminal's info; kUnauthenticated (wrong, unknown or
  ///          expired code); kConflict (code used, or key enrolled already);
  ///          kInvalidField; kUnavailable (ErrorCode, domain kOs) if the files
  ///          cannot be written.
  Result<TerminalInfo> Enroll(std::string_view code, std::string_view name,
                              crypto::EcdsaPrivateKey key, const TerminalIdentityFiles& files);

  /// The connection test (疎通テスト): a signed GET /v1/terminals/self
  /// (retried) proving that the cloud is reachable, trusts this terminal's
  /// signature, and how far the clocks are apart.
  /// @returns the result; the common errors (kUnauthenticated also when the
  ///          clock is more than 300 s off: compare clock_skew_s of a
  ///          previous success, or fix NTP).
  Result<ConnectionTestResult> ConnectionTest();

  /// A card-authentication challenge (POST /v1/card-auth/challenges, sent once).
  /// @returns the challenge; the common errors.
  Result<CardChallenge> CreateChallenge();

  /// Opens a card session (POST /v1/card-auth/sessions, sent once).
  /// @param certificate_der the card's user-authentication certificate
  /// @param signature       the card's signature of CardAuthDigestInfo()
  /// @returns the session; kUnauthenticated (reason signature_invalid,
  ///          certificate_untrusted); kForbidden (certificate_expired,
  ///          certificate_not_yet_valid, certificate_revoked, card_suspended,
  ///          challenge_other_terminal); kNotFound (challenge_unknown);
  ///          kConflict (challenge_expired, challenge_used).
  Result<CardSession> CreateCardSession(std::string_view challenge_id, ByteView certificate_der,
                                        ByteView signature, protocol::CardAuthPurpose purpose);

  /// The holder's ID at this terminal's provider (GET /v1/service-links/self, retried).
  /// @returns the link; kNotFound (no_service_link, no_mykey_id);
  ///          kUnauthenticated (session_unknown, session_expired); kForbidden
  ///          (session_other_terminal).
  Result<ServiceLink> GetServiceLink(std::string_view session);

  /// Links `service_id` to the holder (PUT /v1/service-links, session
  /// purpose link-service, sent once; PUT is idempotent at the cloud).
  /// @returns the link; kForbidden (session_purpose, ...); kNotFound
  ///          (no_mykey_id); the session errors of GetServiceLink().
  Result<ServiceLink> LinkService(std::string_view session, std::string_view service_id);

  /// Creates the holder's MyKey ID (POST /v1/mykey-ids, purpose
  /// create-mykey-id, sent once).
  /// @param wanted an ID the holder chose, or nullopt for a random one
  /// @returns the ID; kConflict (has_mykey_id, mykey_id_taken); kInvalidField
  ///          (malformed ID); the session errors.
  Result<std::string> CreateMyKeyId(std::string_view session,
                                    std::optional<std::string_view> wanted = std::nullopt);

  /// Changes the holder's MyKey ID (POST /v1/mykey-ids/change, sent once).
  /// @returns the new ID; kNotFound (no_mykey_id); kConflict
  ///          (mykey_id_taken); the session errors.
  Result<std::string> ChangeMyKeyId(std::string_view session,
                                    std::optional<std::string_view> wanted = std::nullopt);

  /// The holder stops their own MyKey ID (POST /v1/mykey-ids/report-lost,
  /// purpose report-lost, sent once).
  /// @returns Ok; kNotFound (no_mykey_id); the session errors.
  Status ReportLostCard(std::string_view session);

  /// The holder's balances (GET /v1/holders/{mykey_id}/balances, retried).
  /// @param session the holder's live card session opened at this terminal
  ///                (sent as `?session=`): the cloud shows a terminal a
  ///                holder's points only with it; empty: not sent (operators)
  /// @returns the balances; kInvalidParameter (malformed ID, no session);
  ///          kForbidden (session_other_holder); the session errors of
  ///          GetServiceLink().
  Result<Balances> Balance(std::string_view mykey_id, std::string_view session = {});

  /// Redeems points, or holds them (POST /v1/redemptions, value-moving).
  /// @returns the redemption; kConflict (insufficient_balance); kForbidden
  ///          (programme_not_accepted, cross_municipality_refused,
  ///          merchant_suspended, not_allowed); kNotFound (unknown_programme,
  ///          unknown_merchant); kIdempotencyKeyReuse; kOutcomeUnknown.
  Result<Redemption> Redeem(const RedeemRequest& request);

  /// Captures a hold (POST /v1/redemptions/{id}/capture, value-moving).
  /// @param idempotency_key empty: the client makes one
  /// @returns the redemption; kConflict (already_voided, hold_expired);
  ///          kNotFound (unknown_redemption); kOutcomeUnknown.
  Result<Redemption> Capture(int64_t redemption_id, std::string_view idempotency_key = {});

  /// Voids a hold (POST /v1/redemptions/{id}/void, value-moving).
  /// @returns the redemption (state "voided" or "expired"); kConflict
  ///          (already_captured); kNotFound; kOutcomeUnknown.
  Result<Redemption> Void(int64_t redemption_id, std::string_view idempotency_key = {});

  /// Refunds part of a captured redemption (POST /v1/redemptions/{id}/refunds).
  /// @returns the refund; kConflict (not_captured, refund_exceeds_captured);
  ///          kNotFound (unknown_redemption); kOutcomeUnknown.
  Result<Refund> MakeRefund(int64_t redemption_id, int64_t amount,
                            std::string_view idempotency_key = {});

  /// A completed operation by its key (GET /v1/operations/{key}, retried).
  /// @returns the operation; kNotFound: no operation completed with this key
  ///          (it did not happen: repeating the call with the key is safe).
  Result<Operation> GetOperation(std::string_view idempotency_key);

  /// Settles a kOutcomeUnknown redemption, capture or void: GetOperation()
  /// and the stored answer as a Redemption (replayed = true).
  /// @returns the redemption; kNotFound (it did not happen); kBadResponse
  ///          if the operation is not a redemption.
  Result<Redemption> RecoverRedemption(std::string_view idempotency_key);

  // --- Revocation feed (src/revocation_calls.cc; used by sdk/revocation) ---

  /// A page of the numbered revocation feed after `since` (GET
  /// /v1/revocations?since=N&limit=M, signed, retried).
  /// @param since the last sequence already applied (0: from the start)
  /// @param limit entries per page, 1..10000
  /// @returns the page; kInvalidArgument (ErrorCode) for since < 0 or a limit
  ///          out of range; kBadResponse for a malformed entry (unknown kind,
  ///          bad hex, sequences not increasing or not after `since`); the
  ///          common errors.
  Result<RevocationFeedPage> Revocations(int64_t since, int limit = 1000);

  /// The JPKI auth CA certificates the cloud trusts (GET /v1/jpki/auth-cas,
  /// signed, retried): the anchors offline authentication checks cards
  /// against. Each must parse, be a CA certificate and match its SHA-256.
  /// @returns the certificates, at least one; kBadResponse for an empty list,
  ///          bad Base64, a digest mismatch, or a certificate that does not
  ///          parse or is not a CA; the common errors.
  Result<std::vector<crypto::Certificate>> JpkiAuthCas();

  // --- Vouchers (src/voucher_calls.cc; used by sdk/voucher's VoucherIssuer) ---
  // Value-moving calls (issue, confirm-printed, void, reprint, redeem) carry
  // an idempotency key and are retried with it; settle kOutcomeUnknown with
  // RecoverVoucher(key) or by repeating the call with the same key. The
  // serial is typed or scanned text (kInvalidArgument for an empty one or one
  // with '/').

  /// Issues a voucher, state "pending_print" (POST /v1/vouchers).
  /// @returns the voucher; kConflict (insufficient_balance); kForbidden
  ///          (cross_municipality_refused, merchant_suspended, not_allowed);
  ///          kNotFound (unknown_programme, unknown_merchant); kInvalidField
  ///          (sold_term_too_long, a bad day; `session` missing for a
  ///          points voucher); kUnauthenticated / kForbidden for a card
  ///          session that is not live here or is another holder's
  ///          (session_unknown, session_expired, session_other_terminal,
  ///          session_other_holder); kIdempotencyKeyReuse; kOutcomeUnknown.
  Result<CloudVoucher> IssueVoucher(const VoucherIssueRequest& request);

  /// The printer confirmed the job: "issued" (POST .../confirm-printed).
  /// @returns the voucher; kNotFound (unknown_voucher); kConflict
  ///          (already_voided, already_redeemed, voucher_expired); kOutcomeUnknown.
  Result<CloudVoucher> ConfirmVoucherPrinted(std::string_view serial,
                                             std::string_view idempotency_key = {});

  /// The print failed: points back to the holder / sale cancelled (POST .../void).
  /// @returns the voucher ("voided"); kNotFound (unknown_voucher); kConflict
  ///          (already_issued, already_redeemed, voucher_expired); kOutcomeUnknown.
  Result<CloudVoucher> VoidVoucher(std::string_view serial, std::string_view idempotency_key = {});

  /// A duplicate of a pending or issued voucher (POST .../reprint).
  /// @returns the voucher (duplicate, reprints + 1); kNotFound; kConflict
  ///          (already_voided, already_redeemed, voucher_expired); kOutcomeUnknown.
  Result<CloudVoucher> ReprintVoucher(std::string_view serial,
                                      std::string_view idempotency_key = {});

  /// Redeems a voucher at this terminal's merchant, once (POST .../redeem).
  /// @returns the voucher ("redeemed"); kConflict (already_redeemed,
  ///          already_voided, not_issued, voucher_expired); kForbidden
  ///          (programme_not_accepted, cross_municipality_refused,
  ///          merchant_suspended); kNotFound (unknown_voucher); kOutcomeUnknown.
  Result<CloudVoucher> RedeemVoucher(std::string_view serial,
                                     std::string_view idempotency_key = {});

  /// The voucher as it stands now (GET /v1/vouchers/{serial}, retried).
  /// @returns the voucher; kNotFound (unknown_voucher, also another site's).
  Result<CloudVoucher> GetVoucher(std::string_view serial);

  /// The published verification keys, current first (GET /v1/voucher-keys).
  /// @returns the keys; kBadResponse for a malformed key.
  Result<std::vector<VoucherPublicKey>> VoucherKeys();

  /// Settles a kOutcomeUnknown voucher call: GetOperation() and the stored
  /// answer as a CloudVoucher (replayed = true).
  /// @returns the voucher; kNotFound (it did not happen: repeat with the
  ///          key); kBadResponse if the operation is not a voucher call.
  Result<CloudVoucher> RecoverVoucher(std::string_view idempotency_key);

  // --- Points: partner coupons, donations, default municipality
  // (src/points_calls.cc; cloud/ledger README, "Partner conversions" and
  // "Donations"). Every call acts for the holder of `session` (their live
  // card session opened at this terminal), never for a MyKey ID the terminal
  // names. Value-moving calls carry an idempotency key and are retried with
  // it; settle kOutcomeUnknown by repeating the call with the same key.

  /// A partner conversion as the cloud answers it.
  struct PointsConversion {
    std::string idempotency_key;  ///< the key the call used
    bool replayed = false;        ///< the cloud answered a stored result
    int64_t conversion_id = 0;
    std::string partner_id;
    std::string mykey_id;
    std::string channel;  ///< "coupon" (or "online")
    int64_t points = 0;   ///< scheme points
    int64_t programme_id = 0;
    std::string state;  ///< "pending" until it lands
    int64_t lands_at_ms = 0;
  };

  /// A donation of the session holder's points to a project.
  struct DonateRequest {
    std::string session;
    int64_t programme_id = 0;  ///< whose points are given
    int64_t project_id = 0;    ///< a project programme
    int64_t amount = 0;
    std::string display_name;     ///< opt-in name on the donor list; empty: anonymous
    std::string idempotency_key;  ///< empty: a new one
  };

  struct PointsDonation {
    std::string idempotency_key;
    bool replayed = false;
    int64_t donation_id = 0;
    int64_t project_id = 0;
    int64_t programme_id = 0;
    std::string mykey_id;
    int64_t amount = 0;
    int64_t balance = 0;  ///< the holder's spendable points of programme_id after it
  };

  /// Converts a partner's coupon code typed at this kiosk (POST
  /// /v1/coupon-conversions, value-moving): pending, it lands after the hold
  /// period in the holder's default municipality.
  /// @returns the conversion; kInvalidField (coupon_malformed: mistyped);
  ///          kNotFound (coupon_unknown); kConflict (coupon_used,
  ///          coupon_expired, no_default_municipality); kForbidden
  ///          (too_many_attempts: this terminal is locked for a while);
  ///          the session errors; kOutcomeUnknown.
  Result<PointsConversion> ConvertCoupon(std::string_view session, std::string_view code,
                                         std::string_view idempotency_key = {});

  /// Gives points to a project (POST /v1/donations, value-moving),
  /// soonest-expiring first.
  /// @returns the donation; kConflict (insufficient_balance, not_a_project);
  ///          kForbidden (cross_municipality_refused); kNotFound
  ///          (unknown_programme); the session errors; kOutcomeUnknown.
  Result<PointsDonation> Donate(const DonateRequest& request);

  /// The holder chooses where their conversions land (PUT
  /// /v1/holders/{mykey_id}/default-municipality, retried).
  /// @returns Ok; kNotFound (unknown_municipality); kForbidden
  ///          (session_other_holder); the session errors.
  Status SetDefaultMunicipality(std::string_view session, std::string_view mykey_id,
                                std::string_view municipality_code);

 private:
  enum class Retry : uint8_t { kNever, kSafe, kIdempotent };
  struct Call;

  CloudClient(http_client::HttpTransport& transport, CloudClientOptions options,
              std::unique_ptr<crypto::RandomSource> owned_random,
              std::optional<TerminalIdentity> identity);

  Result<http_client::HttpResponse> Send(const Call& call);
  Result<Redemption> RedemptionCall(std::string path, std::string body, std::string key);
  Result<std::string> KeyOrNew(std::string_view key);
  Result<std::string> RandomHex(size_t bytes);
  std::shared_ptr<const TerminalIdentity> identity() const;

  http_client::HttpTransport& transport_;
  CloudClientOptions options_;
  std::unique_ptr<crypto::RandomSource> owned_random_;
  std::mutex random_mu_;
  mutable std::mutex identity_mu_;
  std::shared_ptr<const TerminalIdentity> identity_;
};

}  // namespace mykey::cloud_client
