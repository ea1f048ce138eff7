#include "mykey/cloud_client/cloud_client.h"

#include <chrono>
#include <thread>

#include "call.h"
#include "mykey/base/base64.h"
#include "mykey/base/log.h"
#include "mykey/base/mask.h"
#include "mykey/json/json.h"
#include "mykey/protocol/request_signature.h"

namespace mykey::cloud_client {
namespace {

using json::Json;

// Non-throwing readers of a parsed answer.
std::optional<std::string> StringOf(const Json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> IntOf(const Json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

const Json* ObjectOf(const Json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it == object.end() || !it->is_object()) return nullptr;
  return &*it;
}

Error BadResponse(const http_client::HttpResponse& response) {
  return internal::MalformedAnswer(response, "malformed answer from the cloud");
}

Result<Json> BodyOf(const http_client::HttpResponse& response) {
  auto body = json::ParseJson(response.body);
  if (!body || !body->is_object()) return Fail(BadResponse(response));
  return std::move(*body);
}

Result<TerminalInfo> ParseTerminalInfo(const http_client::HttpResponse& response) {
  MYKEY_ASSIGN_OR_RETURN(const Json body, BodyOf(response));
  const Json* site = ObjectOf(body, "site");
  const Json* config = ObjectOf(body, "config");
  auto id = StringOf(body, "terminal_id");
  if (site == nullptr || config == nullptr || !id) return Fail(BadResponse(response));
  TerminalInfo info;
  info.terminal_id = *id;
  info.site.kind = StringOf(*site, "kind").value_or("");
  info.site.id = StringOf(*site, "id").value_or("");
  info.site.provider_id = StringOf(*site, "provider_id").value_or("");
  info.site.municipality_code = StringOf(*site, "municipality_code").value_or("");
  info.signature_scheme = StringOf(*config, "signature_scheme").value_or("");
  info.timestamp_window_s = IntOf(*config, "timestamp_window_s").value_or(0);
  auto server_time = IntOf(*config, "server_time");
  if (!server_time) return Fail(BadResponse(response));
  info.server_time = *server_time;
  return info;
}

Result<Redemption> ParseRedemption(const http_client::HttpResponse& response, const Json& body) {
  Redemption r;
  auto id = IntOf(body, "redemption_id");
  auto state = StringOf(body, "state");
  if (!id || !state) return Fail(BadResponse(response));
  r.operation = StringOf(body, "operation").value_or("");
  r.redemption_id = *id;
  r.merchant_id = IntOf(body, "merchant_id").value_or(0);
  r.programme_id = IntOf(body, "programme_id").value_or(0);
  r.mykey_id = StringOf(body, "mykey_id").value_or("");
  r.amount = IntOf(body, "amount").value_or(0);
  r.refunded = IntOf(body, "refunded").value_or(0);
  r.state = *state;
  r.hold_expires_at_ms = IntOf(body, "hold_expires_at_ms");
  r.balance = IntOf(body, "balance").value_or(0);
  r.created_at_ms = IntOf(body, "created_at_ms").value_or(0);
  return r;
}

bool IsReplayed(const http_client::HttpResponse& response) {
  return response.Header("Idempotent-Replayed").value_or("") == "true";
}

/// A value that goes into the path as one segment: 1..255 printable ASCII, no '/'.
Status CheckSegment(std::string_view value) {
  if (value.empty() || value.size() > 255) {
    return Fail(ErrorCode::kInvalidArgument, "a path value has 1..255 characters");
  }
  for (char c : value) {
    if (c <= ' ' || c > '~' || c == '/') {
      return Fail(ErrorCode::kInvalidArgument, "a path value is printable ASCII without '/'");
    }
  }
  return Ok();
}

int64_t SystemSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<CloudClient>> CloudClient::Create(http_client::HttpTransport& transport,
                                                         CloudClientOptions options,
                                                         std::optional<TerminalIdentity> identity) {
  if (options.base_url.empty() || options.base_url.back() == '/' || options.max_attempts < 1) {
    return Fail(ErrorCode::kInvalidArgument, "cloud base URL empty or ending in '/', or attempts");
  }
  if (!options.now_seconds) options.now_seconds = SystemSeconds;
  std::unique_ptr<crypto::RandomSource> owned;
  if (options.random == nullptr) {
    auto random = crypto::SystemRandom::Create();
    if (!random) return Fail(ErrorCode::kInternal, "no system randomness");
    owned = std::move(*random);
  }
  return std::unique_ptr<CloudClient>(
      new CloudClient(transport, std::move(options), std::move(owned), std::move(identity)));
}

CloudClient::CloudClient(http_client::HttpTransport& transport, CloudClientOptions options,
                         std::unique_ptr<crypto::RandomSource> owned_random,
                         std::optional<TerminalIdentity> identity)
    : transport_(transport), options_(std::move(options)), owned_random_(std::move(owned_random)) {
  if (identity) identity_ = std::make_shared<const TerminalIdentity>(std::move(*identity));
}

CloudClient::~CloudClient() = default;

std::shared_ptr<const TerminalIdentity> CloudClient::identity() const {
  std::lock_guard lock(identity_mu_);
  return identity_;
}

std::string CloudClient::terminal_id() const {
  auto current = identity();
  return current ? current->terminal_id : std::string();
}

Result<std::string> CloudClient::RandomHex(size_t bytes) {
  Bytes raw(bytes);
  {
    std::lock_guard lock(random_mu_);
    crypto::RandomSource& random = options_.random ? *options_.random : *owned_random_;
    MYKEY_TRY(random.Fill(raw));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : raw) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

Result<std::string> CloudClient::NewIdempotencyKey() {
  MYKEY_ASSIGN_OR_RETURN(std::string hex, RandomHex(16));
  return "mk-" + hex;
}

Result<std::string> CloudClient::KeyOrNew(std::string_view key) {
  internal::ClearCloudError();
  if (!key.empty()) {
    MYKEY_TRY(CheckSegment(key));
    return std::string(key);
  }
  return NewIdempotencyKey();
}

Result<http_client::HttpResponse> CloudClient::Send(const Call& call) {
  internal::ClearCloudError();
  std::shared_ptr<const TerminalIdentity> signer;
  if (call.sign) {
    signer = identity();
    if (!signer) return Fail(ErrorCode::kFailedPrecondition, "the terminal is not enrolled");
  }
  const std::string target = protocol::CanonicalRequestTarget(call.path, call.query);
  const int attempts = call.retry == Retry::kNever ? 1 : options_.max_attempts;
  bool maybe_applied = false;
  CloudError last;
  last.idempotency_key = call.idempotency_key;

  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1 && options_.retry_backoff.count() > 0) {
      // A pause between attempts, not a wait for state.
      std::this_thread::sleep_for(options_.retry_backoff * (attempt - 1));
    }
    http_client::HttpRequest request;
    request.method = call.method;
    request.url = options_.base_url + target;
    request.body = call.body;
    request.headers.emplace_back("Accept", "application/json");
    if (!call.body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    if (!call.idempotency_key.empty()) {
      request.headers.emplace_back("Idempotency-Key", call.idempotency_key);
    }
    if (signer) {
      MYKEY_ASSIGN_OR_RETURN(const std::string nonce, RandomHex(16));
      MYKEY_ASSIGN_OR_RETURN(
          const protocol::RequestSignatureHeaders headers,
          protocol::SignRequest(signer->key, signer->terminal_id, call.method, target, call.body,
                                options_.now_seconds(), nonce));
      request.headers.emplace_back(std::string(protocol::kTerminalHeader), headers.terminal);
      request.headers.emplace_back(std::string(protocol::kTimestampHeader), headers.timestamp);
      request.headers.emplace_back(std::string(protocol::kNonceHeader), headers.nonce);
      request.headers.emplace_back(std::string(protocol::kSignatureHeader), headers.signature);
    }

    auto response = transport_.RoundTrip(request);
    if (!response) {
      const ErrorCode code = response.error().code();
      last.http_status = 0;
      if (code == ErrorCode::kUnavailable) {
        last.code = CloudErrorCode::kUnreachable;
        continue;  // nothing was sent
      }
      if (code == ErrorCode::kAborted || code == ErrorCode::kDeadlineExceeded) {
        maybe_applied = true;
        last.code = CloudErrorCode::kOutcomeUnknown;
        continue;  // the answer may be lost
      }
      last.code =
          code == ErrorCode::kUnauthenticated ? CloudErrorCode::kTls : CloudErrorCode::kTransport;
      return Fail(internal::RecordCloudError(std::move(last)));
    }
    if (response->status >= 200 && response->status < 300) return std::move(*response);

    // An error answer: the cloud's error model.
    last.http_status = response->status;
    last.request_id = std::string(response->Header("X-Request-Id").value_or(""));
    last.api_code.clear();
    last.reason.clear();
    last.message.clear();
    auto body = json::ParseJson(response->body);
    const Json* error = body ? ObjectOf(*body, "error") : nullptr;
    if (error != nullptr) {
      last.api_code = StringOf(*error, "code").value_or("");
      last.reason = StringOf(*error, "reason").value_or("");
      last.message = StringOf(*error, "message").value_or("");
      if (auto id = StringOf(*error, "request_id")) last.request_id = *id;
      last.code = CloudErrorCodeFromApi(last.api_code);
    } else {
      last.code = response->status == 503 ? CloudErrorCode::kCloudUnavailable
                                          : CloudErrorCode::kUnknownCloudError;
    }
    const bool transient =
        response->status == 502 || response->status == 503 || response->status == 504;
    if (!transient) return Fail(internal::RecordCloudError(std::move(last)));
    if (last.code == CloudErrorCode::kUnknownCloudError)
      last.code = CloudErrorCode::kCloudUnavailable;
  }
  // Out of attempts. A value-moving call whose request may have been applied
  // has an unknown outcome, whatever the later attempts said.
  if (maybe_applied && call.retry != Retry::kSafe) last.code = CloudErrorCode::kOutcomeUnknown;
  if (maybe_applied && call.retry == Retry::kSafe && last.code == CloudErrorCode::kOutcomeUnknown) {
    last.code = CloudErrorCode::kUnreachable;  // a GET has no outcome to recover
  }
  return Fail(internal::RecordCloudError(std::move(last)));
}

Result<TerminalInfo> CloudClient::Enroll(std::string_view code, std::string_view name,
                                         crypto::EcdsaPrivateKey key,
                                         const TerminalIdentityFiles& files) {
  Json body = Json::object();
  body["enrollment_code"] = std::string(code);
  body["public_key"] = Base64Encode(key.PublicKey().ToDer());
  body["name"] = std::string(name);
  // The key is on disk before the cloud knows it: an enrolled key is never lost.
  MYKEY_TRY(SaveTerminalKey(files, key));
  Call call{"POST", "/v1/terminals/enroll", {}, json::Dump(body), Retry::kNever, {}, false};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(TerminalInfo info, ParseTerminalInfo(response));
  TerminalIdentity identity{info.terminal_id, std::move(key)};
  MYKEY_TRY(SaveTerminalId(files, identity.terminal_id));
  {
    std::lock_guard lock(identity_mu_);
    identity_ = std::make_shared<const TerminalIdentity>(std::move(identity));
  }
  if (log::Enabled(log::Level::kInfo)) {
    log::Write(log::Level::kInfo, "cloud_client",
               "enrolled as terminal " + MaskIdentifier(info.terminal_id));
  }
  return info;
}

Result<ConnectionTestResult> CloudClient::ConnectionTest() {
  const auto started = std::chrono::steady_clock::now();
  const int64_t local_before = options_.now_seconds();
  Call call{"GET", "/v1/terminals/self", {}, {}, Retry::kSafe, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  const int64_t local_after = options_.now_seconds();
  ConnectionTestResult result;
  MYKEY_ASSIGN_OR_RETURN(result.terminal, ParseTerminalInfo(response));
  result.clock_skew_s = result.terminal.server_time - (local_before + local_after) / 2;
  result.round_trip = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return result;
}

Result<CardChallenge> CloudClient::CreateChallenge() {
  Call call{"POST", "/v1/card-auth/challenges", {}, "{}", Retry::kNever, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json body, BodyOf(response));
  auto id = StringOf(body, "challenge_id");
  auto challenge = StringOf(body, "challenge");
  if (!id || !challenge) return Fail(BadResponse(response));
  auto bytes = Base64Decode(*challenge);
  if (!bytes) return Fail(BadResponse(response));
  return CardChallenge{*id, std::move(*bytes), StringOf(body, "expires_at").value_or("")};
}

Result<CardSession> CloudClient::CreateCardSession(std::string_view challenge_id,
                                                   ByteView certificate_der, ByteView signature,
                                                   protocol::CardAuthPurpose purpose) {
  Json body = Json::object();
  body["challenge_id"] = std::string(challenge_id);
  body["certificate"] = Base64Encode(certificate_der);
  body["signature"] = Base64Encode(signature);
  body["purpose"] = std::string(protocol::CardAuthPurposeName(purpose));
  Call call{"POST", "/v1/card-auth/sessions", {}, json::Dump(body), Retry::kNever, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json answer, BodyOf(response));
  auto session = StringOf(answer, "session");
  if (!session) return Fail(BadResponse(response));
  return CardSession{*session, StringOf(answer, "expires_at").value_or(""),
                     StringOf(answer, "mykey_id")};
}

namespace {
Result<ServiceLink> ParseLink(const http_client::HttpResponse& response) {
  MYKEY_ASSIGN_OR_RETURN(const Json body, BodyOf(response));
  auto provider = StringOf(body, "provider_id");
  auto service = StringOf(body, "service_id");
  if (!provider || !service) return Fail(BadResponse(response));
  return ServiceLink{*provider, *service};
}

Result<std::string> ParseMyKeyId(const http_client::HttpResponse& response) {
  MYKEY_ASSIGN_OR_RETURN(const Json body, BodyOf(response));
  auto id = StringOf(body, "mykey_id");
  if (!id) return Fail(BadResponse(response));
  return *id;
}

std::string SessionBody(std::string_view session, std::optional<std::string_view> wanted) {
  Json body = Json::object();
  body["session"] = std::string(session);
  if (wanted) body["mykey_id"] = std::string(*wanted);
  return json::Dump(body);
}
}  // namespace

Result<ServiceLink> CloudClient::GetServiceLink(std::string_view session) {
  Call call{
      "GET", "/v1/service-links/self", {{"session", std::string(session)}}, {}, Retry::kSafe, {},
      true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  return ParseLink(response);
}

Result<ServiceLink> CloudClient::LinkService(std::string_view session,
                                             std::string_view service_id) {
  Json body = Json::object();
  body["session"] = std::string(session);
  body["service_id"] = std::string(service_id);
  Call call{"PUT", "/v1/service-links", {}, json::Dump(body), Retry::kNever, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  return ParseLink(response);
}

Result<std::string> CloudClient::CreateMyKeyId(std::string_view session,
                                               std::optional<std::string_view> wanted) {
  Call call{"POST", "/v1/mykey-ids", {}, SessionBody(session, wanted), Retry::kNever, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  return ParseMyKeyId(response);
}

Result<std::string> CloudClient::ChangeMyKeyId(std::string_view session,
                                               std::optional<std::string_view> wanted) {
  Call call{"POST", "/v1/mykey-ids/change", {}, SessionBody(session, wanted), Retry::kNever, {},
            true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  return ParseMyKeyId(response);
}

Status CloudClient::ReportLostCard(std::string_view session) {
  Call call{"POST",
            "/v1/mykey-ids/report-lost",
            {},
            SessionBody(session, std::nullopt),
            Retry::kNever,
            {},
            true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json body, BodyOf(response));
  if (StringOf(body, "status") != "suspended") return Fail(BadResponse(response));
  return Ok();
}

Result<Balances> CloudClient::Balance(std::string_view mykey_id, std::string_view session) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSegment(mykey_id));
  Call call{"GET", "/v1/holders/" + std::string(mykey_id) + "/balances", {}, {}, Retry::kSafe, {},
            true};
  if (!session.empty()) call.query.emplace_back("session", std::string(session));
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json body, BodyOf(response));
  Balances balances;
  balances.mykey_id = StringOf(body, "mykey_id").value_or("");
  auto programmes = body.find("programmes");
  if (programmes == body.end() || !programmes->is_array()) return Fail(BadResponse(response));
  for (const Json& p : *programmes) {
    auto id = IntOf(p, "programme_id");
    auto balance = IntOf(p, "balance");
    if (!id || !balance) return Fail(BadResponse(response));
    balances.programmes.push_back(ProgrammeBalance{*id, StringOf(p, "programme_code").value_or(""),
                                                   StringOf(p, "municipality_code").value_or(""),
                                                   *balance, IntOf(p, "held").value_or(0)});
  }
  return balances;
}

Result<Redemption> CloudClient::RedemptionCall(std::string path, std::string body,
                                               std::string key) {
  Call call{"POST", std::move(path), {}, std::move(body), Retry::kIdempotent, key, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json answer, BodyOf(response));
  MYKEY_ASSIGN_OR_RETURN(Redemption redemption, ParseRedemption(response, answer));
  redemption.idempotency_key = std::move(key);
  redemption.replayed = IsReplayed(response);
  return redemption;
}

Result<Redemption> CloudClient::Redeem(const RedeemRequest& request) {
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(request.idempotency_key));
  Json body = Json::object();
  body["mykey_id"] = request.mykey_id;
  body["programme_id"] = request.programme_id;
  body["amount"] = request.amount;
  if (request.hold) body["hold"] = true;
  return RedemptionCall("/v1/redemptions", json::Dump(body), std::move(key));
}

Result<Redemption> CloudClient::Capture(int64_t redemption_id, std::string_view idempotency_key) {
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  // "{}", not an empty body: libcurl silently re-sends a request with an empty
  // body (same signed nonce) when its reused connection dies before an answer,
  // and the cloud then refuses the replayed nonce although it applied the
  // first copy. A body is never re-sent (sdk/http refuses the rewind).
  return RedemptionCall("/v1/redemptions/" + std::to_string(redemption_id) + "/capture", "{}",
                        std::move(key));
}

Result<Redemption> CloudClient::Void(int64_t redemption_id, std::string_view idempotency_key) {
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  return RedemptionCall("/v1/redemptions/" + std::to_string(redemption_id) + "/void", "{}",
                        std::move(key));
}

Result<Refund> CloudClient::MakeRefund(int64_t redemption_id, int64_t amount,
                                       std::string_view idempotency_key) {
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  Json body = Json::object();
  body["amount"] = amount;
  Call call{"POST",
            "/v1/redemptions/" + std::to_string(redemption_id) + "/refunds",
            {},
            json::Dump(body),
            Retry::kIdempotent,
            key,
            true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json answer, BodyOf(response));
  auto transfer = IntOf(answer, "transfer_id");
  if (!transfer) return Fail(BadResponse(response));
  Refund refund;
  refund.idempotency_key = std::move(key);
  refund.replayed = IsReplayed(response);
  refund.transfer_id = *transfer;
  refund.redemption_id = IntOf(answer, "redemption_id").value_or(0);
  refund.amount = IntOf(answer, "amount").value_or(0);
  refund.refunded_total = IntOf(answer, "refunded_total").value_or(0);
  refund.balance = IntOf(answer, "balance").value_or(0);
  refund.created_at_ms = IntOf(answer, "created_at_ms").value_or(0);
  return refund;
}

Result<Operation> CloudClient::GetOperation(std::string_view idempotency_key) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSegment(idempotency_key));
  Call call{"GET", "/v1/operations/" + std::string(idempotency_key), {}, {}, Retry::kSafe, {},
            true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json body, BodyOf(response));
  auto key = StringOf(body, "idempotency_key");
  auto status = IntOf(body, "status");
  if (!key || !status) return Fail(BadResponse(response));
  Operation operation;
  operation.idempotency_key = *key;
  operation.state = StringOf(body, "state").value_or("");
  operation.status = static_cast<int>(*status);
  operation.created_at_ms = IntOf(body, "created_at_ms").value_or(0);
  operation.expires_at_ms = IntOf(body, "expires_at_ms").value_or(0);
  auto result = body.find("result");
  if (result != body.end()) {
    operation.result_json = result->is_string() ? result->get<std::string>() : json::Dump(*result);
  }
  return operation;
}

Result<Redemption> CloudClient::RecoverRedemption(std::string_view idempotency_key) {
  MYKEY_ASSIGN_OR_RETURN(const Operation operation, GetOperation(idempotency_key));
  http_client::HttpResponse stored;
  stored.status = operation.status;
  stored.body = operation.result_json;
  auto body = json::ParseJson(operation.result_json);
  if (!body || !body->is_object()) return Fail(BadResponse(stored));
  MYKEY_ASSIGN_OR_RETURN(Redemption redemption, ParseRedemption(stored, *body));
  redemption.idempotency_key = std::string(idempotency_key);
  redemption.replayed = true;
  return redemption;
}

namespace internal {

Error MalformedAnswer(const http_client::HttpResponse& response, const char* what) {
  CloudError error;
  error.code = CloudErrorCode::kBadResponse;
  error.http_status = response.status;
  error.message = what;
  error.request_id = std::string(response.Header("X-Request-Id").value_or(""));
  return RecordCloudError(std::move(error));
}

}  // namespace internal

}  // namespace mykey::cloud_client
