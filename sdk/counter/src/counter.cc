#include "mykey/counter/counter.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "error_mapping.h"
#include "mykey/base/mask.h"
#include "mykey/cloud_client/cloud_error.h"
#include "mykey/crypto/x509.h"
#include "mykey/iso7816/card_channel.h"
#include "mykey/jpki/jpki_applet.h"

namespace mykey::counter {
namespace {

using cloud_client::CloudErrorCode;
using cloud_client::CloudErrorCodeOf;
using cloud_client::LastCloudError;
using protocol::CardAuthPurpose;

constexpr size_t kMaskKeep = 4;

PinState ToPinState(const jpki::PinStatus& status) {
  PinState state;
  state.blocked = status.blocked;
  state.tries_left = status.blocked ? 0 : status.tries_left;
  state.last_try = !status.blocked && status.tries_left == 1;
  return state;
}

/// A PinEntry over a PIN the host collected already.
class CollectedPin final : public PinEntry {
 public:
  CollectedPin(jpki::Pin pin, jpki::LastTryConfirmation confirmation)
      : pin_(std::move(pin)), confirmation_(confirmation) {}
  jpki::LastTryConfirmation ConfirmLastTry() override { return confirmation_; }
  Result<jpki::Pin> RequestPin(const PinRequest&) override {
    if (!pin_) return Fail(ErrorCode::kFailedPrecondition, "the PIN was used already");
    jpki::Pin pin = std::move(*pin_);
    pin_.reset();
    return pin;
  }

 private:
  std::optional<jpki::Pin> pin_;  // wiped on destruction if never asked for
  jpki::LastTryConfirmation confirmation_;
};

}  // namespace

/// The connected card: reader, channel, applet and guard, in that order of
/// construction (each borrows the previous one).
struct Counter::CardState {
  std::unique_ptr<hal::CardReader> reader;
  std::unique_ptr<iso7816::CardChannel> channel;
  std::unique_ptr<jpki::JpkiApplet> applet;
  std::unique_ptr<jpki::PinGuard> guard;

  ~CardState() {
    guard.reset();
    applet.reset();
    channel.reset();
    if (reader) (void)reader->Disconnect();  // drops the card's PIN state
  }
};

Result<std::unique_ptr<Counter>> Counter::Create(hal::ReaderMonitor& monitor,
                                                 cloud_client::CloudClient& cloud,
                                                 CounterOptions options) {
  return std::unique_ptr<Counter>(new Counter(monitor, cloud, std::move(options)));
}

Counter::Counter(hal::ReaderMonitor& monitor, cloud_client::CloudClient& cloud,
                 CounterOptions options)
    : monitor_(monitor), cloud_(cloud), options_(std::move(options)) {}

Counter::~Counter() {
  ForgetCard();
}

// --- Plumbing -----------------------------------------------------------------

void Counter::BeginCall() {
  last_failure_ = CounterFailure{};
}

void Counter::Progress(FlowStep step) {
  Log(log::Level::kDebug, std::string("step ") + std::string(FlowStepName(step)));
  if (options_.listener != nullptr) options_.listener->OnProgress(step);
}

void Counter::Log(log::Level level, std::string_view message) {
  if (level < options_.log_level) return;
  log::Write(level, "counter", message);
}

::mykey::internal::Unexpected Counter::Refuse(CounterErrorCode code, const Error& cause) {
  std::optional<int> tries;
  if (code == CounterErrorCode::kWrongPin) tries = jpki::TriesLeftFromError(cause);
  if (code == CounterErrorCode::kPinBlocked) tries = 0;
  last_failure_.code = code;
  last_failure_.tries_left = tries;
  last_failure_.cause = cause;
  Log(code == CounterErrorCode::kInternal ? log::Level::kError : log::Level::kInfo,
      std::string("refused or failed: ") + std::string(CounterErrorCodeName(code)) + " (" +
          cause.ToString() + ")" +
          (last_failure_.cloud_reason.empty() ? "" : " reason " + last_failure_.cloud_reason));
  return ::mykey::Fail(MakeCounterError(code, tries));
}

::mykey::internal::Unexpected Counter::RefuseCard(const Error& cause) {
  const CounterErrorCode code = internal::CodeFromCardError(cause);
  if (code == CounterErrorCode::kCardRemoved || code == CounterErrorCode::kReaderUnavailable) {
    const std::string reader = card_ ? card_->reader : std::string();
    auto error = Refuse(code, cause);
    ForgetCard();
    if (options_.listener != nullptr && !reader.empty()) {
      options_.listener->OnReaderEvent({code == CounterErrorCode::kCardRemoved
                                            ? hal::ReaderEventType::kCardRemoved
                                            : hal::ReaderEventType::kReaderRemoved,
                                        reader,
                                        {}});
    }
    return error;
  }
  return Refuse(code, cause);
}

::mykey::internal::Unexpected Counter::RefuseCloud(const Error& cause) {
  const cloud_client::CloudError& details = LastCloudError();
  last_failure_.cloud_reason = details.reason;
  last_failure_.request_id = details.request_id;
  if (!details.idempotency_key.empty()) last_failure_.idempotency_key = details.idempotency_key;
  const CounterErrorCode code = internal::CodeFromCloudError(cause, details.reason);
  if (code == CounterErrorCode::kSessionExpired) {
    holder_.reset();
    session_token_.clear();
  }
  return Refuse(code, cause);
}

void Counter::ForgetCard() {
  card_state_.reset();
  card_.reset();
  ForgetHolder();
}

void Counter::ForgetHolder() {
  holder_.reset();
  // The token is a bearer secret: overwrite before release.
  std::fill(session_token_.begin(), session_token_.end(), '\0');
  session_token_.clear();
  serial_hex_.clear();
  offline_certificate_.clear();
  offline_challenge_.clear();
  offline_signature_.clear();
}

// --- Reader and card ------------------------------------------------------------

Result<CardInfo> Counter::WaitForCard(std::chrono::milliseconds timeout) {
  BeginCall();
  ForgetCard();
  Progress(FlowStep::kWaitingForCard);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto matches = [&](std::string_view reader) {
    return options_.reader.empty() || options_.reader == reader;
  };

  std::optional<hal::ReaderInfo> found;
  auto listed = monitor_.ListReaders();
  if (!listed) return Refuse(internal::CodeFromWaitError(listed.error()), listed.error());
  for (const hal::ReaderInfo& info : *listed) {
    if (info.card_present && matches(info.name)) {
      found = info;
      if (options_.listener != nullptr) {
        options_.listener->OnReaderEvent(
            {hal::ReaderEventType::kCardInserted, info.name, info.atr});
      }
      break;
    }
  }
  while (!found) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Refuse(CounterErrorCode::kTimeout,
                    Error(ErrorCode::kDeadlineExceeded, "no card within the wait"));
    }
    auto events = monitor_.WaitForChange(left);
    if (!events) return Refuse(internal::CodeFromWaitError(events.error()), events.error());
    for (const hal::ReaderEvent& event : *events) {
      if (options_.listener != nullptr) options_.listener->OnReaderEvent(event);
      if (event.type == hal::ReaderEventType::kCardInserted && matches(event.reader)) {
        found = hal::ReaderInfo{event.reader, true, event.atr};
      } else if (event.type == hal::ReaderEventType::kCardRemoved && found &&
                 found->name == event.reader) {
        found.reset();
      }
    }
  }

  Progress(FlowStep::kReadingCard);
  auto opened = monitor_.OpenReader(found->name);
  if (!opened) {
    return Refuse(opened.error().code() == ErrorCode::kNotFound
                      ? CounterErrorCode::kReaderUnavailable
                      : internal::CodeFromWaitError(opened.error()),
                  opened.error());
  }
  auto state = std::make_unique<CardState>();
  state->reader = std::move(*opened);
  auto atr = state->reader->Connect();
  if (!atr) return RefuseCard(atr.error());
  state->channel = std::make_unique<iso7816::CardChannel>(*state->reader);
  state->applet = std::make_unique<jpki::JpkiApplet>(*state->channel);
  state->guard = std::make_unique<jpki::PinGuard>(*state->applet);
  card_state_ = std::move(state);
  card_ = CardInfo{found->name, *atr, jpki::TokenType::kPlasticCard};
  if (auto selected = card_state_->applet->Select(); !selected) {
    auto error = RefuseCard(selected.error());
    ForgetCard();
    return error;
  }
  auto token = card_state_->applet->ReadTokenType();
  if (!token) {
    auto error = RefuseCard(token.error());
    ForgetCard();
    return error;
  }
  card_->token_type = *token;
  Log(log::Level::kInfo,
      "card connected in " + card_->reader + " (" + std::string(jpki::TokenTypeName(*token)) + ")");
  return *card_;
}

Status Counter::WaitForCardRemoval(std::chrono::milliseconds timeout) {
  BeginCall();
  const std::string reader = card_ ? card_->reader : options_.reader;
  const bool had_card = card_.has_value();
  // The holder session ends now, but the card stays connected until it is
  // gone: disconnecting then needs no reset (PC/SC: a reset racing the pull
  // made pcscd miss the card put back within a presence poll).
  ForgetHolder();
  if (!had_card && reader.empty()) return Ok();
  auto waited = monitor_.WaitForCardRemoval(reader, timeout);
  ForgetCard();
  if (!waited) return Refuse(internal::CodeFromWaitError(waited.error()), waited.error());
  if (options_.listener != nullptr && had_card) {
    options_.listener->OnReaderEvent({hal::ReaderEventType::kCardRemoved, reader, {}});
  }
  return Ok();
}

void Counter::Cancel() {
  monitor_.Cancel();
}

Result<PinState> Counter::ReadPinState() {
  BeginCall();
  if (!card_state_) {
    return Refuse(CounterErrorCode::kNoCard, Error(ErrorCode::kFailedPrecondition, "no card"));
  }
  Progress(FlowStep::kReadingPinTries);
  auto status = card_state_->guard->Check();
  if (!status) return RefuseCard(status.error());
  const PinState state = ToPinState(*status);
  if (options_.listener != nullptr) options_.listener->OnPinTriesLeft(state);
  return state;
}

// --- Authentication ---------------------------------------------------------------

Status Counter::CheckRevocation(const std::string& serial_hex) {
  if (options_.revocation == nullptr) return Ok();
  Progress(FlowStep::kCheckingRevocation);
  auto verdict = options_.revocation->CheckCertificate(serial_hex);
  if (!verdict) {
    Log(log::Level::kWarning,
        "local revocation check failed (ignored online): " + verdict.error().ToString());
    return Ok();
  }
  if (*verdict == RevocationVerdict::kRevoked) {
    return Refuse(CounterErrorCode::kCardRevoked,
                  Error(ErrorCode::kPermissionDenied, "in the local revocation set"));
  }
  if (*verdict == RevocationVerdict::kSuspended) {
    return Refuse(CounterErrorCode::kCardSuspended,
                  Error(ErrorCode::kPermissionDenied, "suspended in the local revocation set"));
  }
  return Ok();
}

Result<HolderSession> Counter::Authenticate(CardAuthPurpose purpose, PinEntry& pin_entry) {
  BeginCall();
  return AuthenticateWithPin(purpose, pin_entry);
}

Result<HolderSession> Counter::Authenticate(CardAuthPurpose purpose, jpki::Pin pin,
                                            jpki::LastTryConfirmation confirmation) {
  BeginCall();
  CollectedPin entry(std::move(pin), confirmation);
  return AuthenticateWithPin(purpose, entry);
}

Result<HolderSession> Counter::AuthenticateWithPin(CardAuthPurpose purpose, PinEntry& pin_entry) {
  holder_.reset();
  session_token_.clear();
  offline_certificate_.clear();
  offline_challenge_.clear();
  offline_signature_.clear();
  if (!card_state_) {
    return Refuse(CounterErrorCode::kNoCard, Error(ErrorCode::kFailedPrecondition, "no card"));
  }
  jpki::JpkiApplet& applet = *card_state_->applet;
  Progress(FlowStep::kReadingCard);
  // A fresh SELECT drops any PIN verified earlier: every authentication asks for the PIN.
  if (auto selected = applet.Select(); !selected) return RefuseCard(selected.error());

  Bytes certificate;
  auto read_certificate = [&]() -> Status {
    auto der = applet.ReadAuthCertificate();
    if (!der) return RefuseCard(der.error());
    auto parsed = crypto::Certificate::FromDer(*der);
    if (!parsed) return Refuse(CounterErrorCode::kNotJpkiCard, parsed.error());
    certificate = std::move(*der);
    serial_hex_ = parsed->SerialHex();
    return CheckRevocation(serial_hex_);
  };
  // On the plastic card the certificate is free: read (and check) it before
  // the PIN, so that a revoked or broken card costs no PIN try.
  const bool before_pin = !jpki::AuthCertificateNeedsPin(card_->token_type);
  if (before_pin) MYKEY_TRY(read_certificate());

  Progress(FlowStep::kReadingPinTries);
  jpki::PinGuard& guard = *card_state_->guard;
  auto status = guard.Check();
  if (!status) return RefuseCard(status.error());
  const PinState state = ToPinState(*status);
  if (options_.listener != nullptr) options_.listener->OnPinTriesLeft(state);
  if (state.blocked) {
    return Refuse(CounterErrorCode::kPinBlocked,
                  Error(ErrorCode::kResourceExhausted, "the PIN is blocked; nothing was sent"));
  }
  auto confirmation = jpki::LastTryConfirmation::kNotConfirmed;
  if (state.last_try) {
    confirmation = pin_entry.ConfirmLastTry();
    if (confirmation != jpki::LastTryConfirmation::kConfirmed) {
      return Refuse(CounterErrorCode::kLastTryNeedsConfirmation,
                    Error(ErrorCode::kFailedPrecondition, "last try not confirmed; nothing sent"));
    }
  }

  Progress(FlowStep::kWaitingForPin);
  auto pin = pin_entry.RequestPin(PinRequest{state.tries_left, state.last_try, card_->reader});
  if (!pin) {
    // The PIN pad saw the card go while the holder was asked: the card is
    // forgotten and the listener told, as for a card lost mid-APDU.
    if (pin.error().code() == ErrorCode::kAborted) return RefuseCard(pin.error());
    return Refuse(CounterErrorCode::kCancelled, pin.error());
  }
  Progress(FlowStep::kVerifyingPin);
  // Verify() consumes (wipes) the PIN, whatever the outcome; it is never retried here.
  if (auto verified = guard.Verify(std::move(*pin), confirmation); !verified) {
    auto error = RefuseCard(verified.error());
    const CounterErrorCode code = CounterErrorCodeOf(error.value());
    if (options_.listener != nullptr &&
        (code == CounterErrorCode::kWrongPin || code == CounterErrorCode::kPinBlocked)) {
      const int left = last_failure_.tries_left.value_or(0);
      options_.listener->OnPinTriesLeft(PinState{left, left == 0, left == 1});
    }
    return error;
  }
  if (!before_pin) MYKEY_TRY(read_certificate());

  MYKEY_ASSIGN_OR_RETURN(HolderSession holder, OpenCloudSession(purpose, certificate, serial_hex_));
  holder.pin_tries_left = jpki::kAuthPinMaxTries;
  holder_ = holder;
  Log(log::Level::kInfo, "holder authenticated with PIN for " +
                             std::string(protocol::CardAuthPurposeName(purpose)) +
                             ", certificate " + holder.certificate_serial_masked + ", MyKey ID " +
                             (holder.mykey_id ? MaskIdentifier(*holder.mykey_id) : "none"));
  return holder;
}

Result<HolderSession> Counter::OpenCloudSession(CardAuthPurpose purpose, ByteView certificate,
                                                const std::string& serial_hex) {
  Progress(FlowStep::kRequestingChallenge);
  auto challenge = cloud_.CreateChallenge();
  if (!challenge) {
    if (options_.offline != nullptr && purpose == CardAuthPurpose::kLogin &&
        CloudErrorCodeOf(challenge.error()) == CloudErrorCode::kUnreachable) {
      return AuthenticateOffline(certificate, challenge.error());
    }
    return RefuseCloud(challenge.error());
  }

  Progress(FlowStep::kSigning);
  const crypto::Sha256Digest digest =
      protocol::CardAuthDigest(challenge->challenge, cloud_.terminal_id(), purpose);
  auto signature = card_state_->applet->SignWithAuthKey(digest);
  if (!signature) return RefuseCard(signature.error());

  Progress(FlowStep::kOpeningSession);
  auto session =
      cloud_.CreateCardSession(challenge->challenge_id, certificate, *signature, purpose);
  if (!session) return RefuseCloud(session.error());

  if (options_.revocation != nullptr && session->mykey_id) {
    auto verdict = options_.revocation->CheckMyKeyId(*session->mykey_id);
    if (verdict && *verdict != RevocationVerdict::kNotListed) {
      return Refuse(*verdict == RevocationVerdict::kRevoked ? CounterErrorCode::kCardRevoked
                                                            : CounterErrorCode::kCardSuspended,
                    Error(ErrorCode::kPermissionDenied, "MyKey ID in the local revocation set"));
    }
  }
  session_token_ = std::move(session->session);
  HolderSession holder;
  holder.level = AuthLevel::kPin;
  holder.purpose = purpose;
  holder.mykey_id = session->mykey_id;
  holder.certificate_serial_masked = MaskIdentifier(serial_hex, kMaskKeep);
  holder.expires_at = session->expires_at;
  RememberHolder(certificate, holder);
  return holder;
}

// The cloud is unreachable after the PIN: the card signs the offline module's
// challenge (the same message as online) and the holder is the MyKey ID this
// terminal learned for the certificate online. Nothing is authorised yet:
// RedeemOffline() hands the evidence to the journal.
Result<HolderSession> Counter::AuthenticateOffline(ByteView certificate, const Error& unreachable) {
  Log(log::Level::kWarning, "cloud unreachable; authenticating offline");
  auto known = options_.offline->KnownHolder(certificate);
  if (!known) return Refuse(CounterErrorCode::kCloudUnreachable, known.error());
  if (!*known) {
    return Refuse(CounterErrorCode::kUnknownHolder,
                  Error(ErrorCode::kNotFound, "offline: this card was never seen online here"));
  }
  if (options_.revocation != nullptr) {
    auto verdict = options_.revocation->CheckMyKeyId(**known);
    if (verdict && *verdict != RevocationVerdict::kNotListed) {
      return Refuse(*verdict == RevocationVerdict::kRevoked ? CounterErrorCode::kCardRevoked
                                                            : CounterErrorCode::kCardSuspended,
                    Error(ErrorCode::kPermissionDenied, "MyKey ID in the local revocation set"));
    }
  }
  auto challenge = options_.offline->NewChallenge();
  if (!challenge) return Refuse(CounterErrorCode::kCloudUnreachable, unreachable);
  Progress(FlowStep::kSigning);
  const crypto::Sha256Digest digest =
      protocol::CardAuthDigest(*challenge, cloud_.terminal_id(), CardAuthPurpose::kLogin);
  auto signature = card_state_->applet->SignWithAuthKey(digest);
  if (!signature) return RefuseCard(signature.error());
  offline_certificate_.assign(certificate.begin(), certificate.end());
  offline_challenge_ = std::move(*challenge);
  offline_signature_ = std::move(*signature);
  HolderSession holder;
  holder.level = AuthLevel::kOffline;
  holder.purpose = CardAuthPurpose::kLogin;
  holder.mykey_id = std::move(*known);
  holder.certificate_serial_masked = MaskIdentifier(serial_hex_, kMaskKeep);
  return holder;
}

Result<HolderSession> Counter::AuthenticateTapOnly() {
  BeginCall();
  holder_.reset();
  session_token_.clear();
  if (!options_.allow_tap_only) {
    return Refuse(CounterErrorCode::kTapOnlyNotAllowed,
                  Error(ErrorCode::kPermissionDenied, "tap-only is off for this service"));
  }
  if (!card_state_) {
    return Refuse(CounterErrorCode::kNoCard, Error(ErrorCode::kFailedPrecondition, "no card"));
  }
  if (jpki::AuthCertificateNeedsPin(card_->token_type)) {
    return Refuse(
        CounterErrorCode::kNotJpkiCard,
        Error(ErrorCode::kPermissionDenied, "this token needs the PIN for its certificate"));
  }
  Progress(FlowStep::kReadingCard);
  auto der = card_state_->applet->ReadAuthCertificate();
  if (!der) return RefuseCard(der.error());
  auto parsed = crypto::Certificate::FromDer(*der);
  if (!parsed) return Refuse(CounterErrorCode::kNotJpkiCard, parsed.error());
  serial_hex_ = parsed->SerialHex();
  MYKEY_TRY(CheckRevocation(serial_hex_));
  HolderSession holder;
  holder.level = AuthLevel::kTapOnly;
  holder.purpose = CardAuthPurpose::kLogin;
  holder.certificate_serial_masked = MaskIdentifier(serial_hex_, kMaskKeep);
  holder_ = holder;
  Log(log::Level::kInfo, "holder tapped, certificate " + holder.certificate_serial_masked);
  return holder;
}

void Counter::EndHolderSession() {
  ForgetCard();
}

Result<std::string> Counter::OperationKey(std::string_view given) {
  std::string key(given);
  if (key.empty()) {
    auto made = cloud_.NewIdempotencyKey();
    if (!made) return Refuse(CounterErrorCode::kInternal, made.error());
    key = std::move(*made);
  }
  last_failure_.idempotency_key = key;
  return key;
}

Result<std::string> Counter::SessionFor(CardAuthPurpose purpose) {
  if (!holder_) {
    return Refuse(CounterErrorCode::kNotAuthenticated,
                  Error(ErrorCode::kFailedPrecondition, "no holder session"));
  }
  if (holder_->level == AuthLevel::kOffline) {
    return Refuse(CounterErrorCode::kCloudUnreachable,
                  Error(ErrorCode::kUnavailable, "an offline holder session: no cloud session"));
  }
  if (holder_->level != AuthLevel::kPin) {
    return Refuse(CounterErrorCode::kPinSessionRequired,
                  Error(ErrorCode::kPermissionDenied, "a tap-only holder session"));
  }
  if (holder_->purpose != purpose) {
    return Refuse(CounterErrorCode::kWrongPurpose,
                  Error(ErrorCode::kPermissionDenied, "the session is for another purpose"));
  }
  return session_token_;
}

// --- Holder and service ---------------------------------------------------------------

Result<cloud_client::ServiceLink> Counter::ServiceId() {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLogin));
  Progress(FlowStep::kLookingUpService);
  auto link = cloud_.GetServiceLink(session);
  if (!link) return RefuseCloud(link.error());
  return link;
}

Result<cloud_client::Balances> Counter::Balances() {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLogin));
  if (!holder_->mykey_id) {
    return Refuse(CounterErrorCode::kNoMyKeyId, Error(ErrorCode::kNotFound, "no MyKey ID"));
  }
  Progress(FlowStep::kReadingBalances);
  auto balances = cloud_.Balance(*holder_->mykey_id, session);
  if (!balances) return RefuseCloud(balances.error());
  return balances;
}

Result<std::string> Counter::CreateMyKeyId(std::optional<std::string_view> wanted) {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kCreateMyKeyId));
  Progress(FlowStep::kCreatingMyKeyId);
  auto id = cloud_.CreateMyKeyId(session, wanted);
  if (!id) return RefuseCloud(id.error());
  holder_->mykey_id = *id;
  Log(log::Level::kInfo, "MyKey ID created: " + MaskIdentifier(*id));
  return id;
}

Result<std::string> Counter::ChangeMyKeyId(std::optional<std::string_view> wanted) {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kCreateMyKeyId));
  Progress(FlowStep::kChangingMyKeyId);
  auto id = cloud_.ChangeMyKeyId(session, wanted);
  if (!id) return RefuseCloud(id.error());
  holder_->mykey_id = *id;
  Log(log::Level::kInfo, "MyKey ID changed to " + MaskIdentifier(*id));
  return id;
}

Result<cloud_client::ServiceLink> Counter::LinkService(std::string_view service_id) {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLinkService));
  Progress(FlowStep::kLinkingService);
  auto link = cloud_.LinkService(session, service_id);
  if (!link) return RefuseCloud(link.error());
  return link;
}

Status Counter::ReportLost() {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kReportLost));
  Progress(FlowStep::kReportingLost);
  if (auto reported = cloud_.ReportLostCard(session); !reported) {
    return RefuseCloud(reported.error());
  }
  Log(log::Level::kInfo,
      "lost card reported, certificate " + MaskIdentifier(serial_hex_, kMaskKeep));
  holder_.reset();
  std::fill(session_token_.begin(), session_token_.end(), '\0');
  session_token_.clear();
  return Ok();
}

// --- Points -------------------------------------------------------------------------

Result<cloud_client::Redemption> Counter::SettleRedemption(const Error& error) {
  if (CloudErrorCodeOf(error) != CloudErrorCode::kOutcomeUnknown) return RefuseCloud(error);
  const std::string key = LastCloudError().idempotency_key;
  last_failure_.idempotency_key = key;
  Log(log::Level::kWarning, "answer lost; asking the cloud for operation " + MaskIdentifier(key));
  Progress(FlowStep::kRecovering);
  auto recovered = cloud_.RecoverRedemption(key);
  if (recovered) return recovered;
  last_failure_.cloud_reason = LastCloudError().reason;
  if (CloudErrorCodeOf(recovered.error()) == CloudErrorCode::kNotFound) {
    return Refuse(CounterErrorCode::kNotApplied, recovered.error());
  }
  return Refuse(CounterErrorCode::kOutcomeUnknown, recovered.error());
}

Result<cloud_client::Redemption> Counter::Redeem(const RedemptionOrder& order) {
  BeginCall();
  if (holder_ && holder_->level == AuthLevel::kOffline) return RedeemOffline(order);
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLogin));
  (void)session;
  if (!holder_->mykey_id) {
    return Refuse(CounterErrorCode::kNoMyKeyId, Error(ErrorCode::kNotFound, "no MyKey ID"));
  }
  if (order.amount <= 0) {
    return Refuse(CounterErrorCode::kInvalidValue,
                  Error(ErrorCode::kInvalidArgument, "the amount must be positive"));
  }
  MYKEY_ASSIGN_OR_RETURN(const std::string key, OperationKey(order.idempotency_key));
  Progress(FlowStep::kRedeeming);
  auto redemption = cloud_.Redeem(cloud_client::RedeemRequest{
      *holder_->mykey_id, order.programme_id, order.amount, order.hold, key});
  if (!redemption) return SettleRedemption(redemption.error());
  last_failure_.idempotency_key.clear();
  return redemption;
}

Result<cloud_client::Redemption> Counter::Capture(int64_t redemption_id,
                                                  std::string_view idempotency_key) {
  BeginCall();
  Progress(FlowStep::kCapturing);
  auto redemption = cloud_.Capture(redemption_id, idempotency_key);
  if (!redemption) return SettleRedemption(redemption.error());
  return redemption;
}

Result<cloud_client::Redemption> Counter::Void(int64_t redemption_id,
                                               std::string_view idempotency_key) {
  BeginCall();
  Progress(FlowStep::kVoiding);
  auto redemption = cloud_.Void(redemption_id, idempotency_key);
  if (!redemption) return SettleRedemption(redemption.error());
  return redemption;
}

Result<cloud_client::Refund> Counter::Refund(int64_t redemption_id, int64_t amount,
                                             std::string_view idempotency_key) {
  BeginCall();
  if (amount <= 0) {
    return Refuse(CounterErrorCode::kInvalidValue,
                  Error(ErrorCode::kInvalidArgument, "the amount must be positive"));
  }
  Progress(FlowStep::kRefunding);
  auto refund = cloud_.MakeRefund(redemption_id, amount, idempotency_key);
  if (!refund) return RefuseCloud(refund.error());
  return refund;
}

Result<cloud_client::Redemption> Counter::RecoverRedemption(std::string_view idempotency_key) {
  BeginCall();
  last_failure_.idempotency_key = std::string(idempotency_key);
  Progress(FlowStep::kRecovering);
  auto recovered = cloud_.RecoverRedemption(idempotency_key);
  if (recovered) {
    last_failure_.idempotency_key.clear();
    return recovered;
  }
  const CloudErrorCode code = CloudErrorCodeOf(recovered.error());
  if (code == CloudErrorCode::kNotFound) {
    return Refuse(CounterErrorCode::kNotApplied, recovered.error());
  }
  if (code == CloudErrorCode::kUnreachable || code == CloudErrorCode::kOutcomeUnknown) {
    return Refuse(CounterErrorCode::kOutcomeUnknown, recovered.error());
  }
  return RefuseCloud(recovered.error());
}

// --- Terminal -------------------------------------------------------------------------

Result<cloud_client::TerminalInfo> Counter::Enroll(
    std::string_view code, std::string_view name, crypto::EcdsaPrivateKey key,
    const cloud_client::TerminalIdentityFiles& files) {
  BeginCall();
  Progress(FlowStep::kEnrolling);
  auto info = cloud_.Enroll(code, name, std::move(key), files);
  if (!info) {
    const CloudErrorCode cloud_code = CloudErrorCodeOf(info.error());
    if (cloud_code == CloudErrorCode::kUnauthenticated || cloud_code == CloudErrorCode::kConflict) {
      last_failure_.cloud_reason = LastCloudError().reason;
      return Refuse(CounterErrorCode::kTerminalRefused, info.error());
    }
    if (info.error().domain() == ErrorDomain::kOs) {
      return Refuse(CounterErrorCode::kInternal, info.error());
    }
    return RefuseCloud(info.error());
  }
  Log(log::Level::kInfo, "enrolled as terminal " + MaskIdentifier(info->terminal_id, kMaskKeep));
  return info;
}

Result<cloud_client::ConnectionTestResult> Counter::ConnectionTest() {
  BeginCall();
  Progress(FlowStep::kTestingConnection);
  auto result = cloud_.ConnectionTest();
  if (!result) return RefuseCloud(result.error());
  Log(log::Level::kInfo, "connection test passed: round trip " +
                             std::to_string(result->round_trip.count()) + " ms, clock skew " +
                             std::to_string(result->clock_skew_s) + " s");
  return result;
}

void Counter::ReportOfflineQueue(const OfflineQueueState& state) {
  if (options_.listener != nullptr) options_.listener->OnOfflineQueue(state);
}

}  // namespace mykey::counter
