#include "mykey/auth/api_tokens.h"

#include <array>

#include "mykey/auth/terminal_directory.h"
#include "mykey/crypto/sha256.h"
#include "mykey/scheme/municipalities.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kTokenPrefix = "mk_";
constexpr size_t kTokenIdLength = 12;
constexpr size_t kTokenSecretLength = 64;
constexpr char kLowerHex[] = "0123456789abcdef";

constexpr Error kBadToken(ErrorCode::kUnauthenticated, "API token not valid");

std::string ToLowerHex(ByteView bytes) {
  std::string out;
  for (const uint8_t b : bytes) {
    out.push_back(kLowerHex[b >> 4]);
    out.push_back(kLowerHex[b & 0x0F]);
  }
  return out;
}

bool IsLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

ApiTokenRecord TokenFromRow(const Row& row) {
  ApiTokenRecord record;
  record.id = row.Text(0);
  record.name = row.Text(1);
  record.scope.scope = ParseOperatorScope(row.Text(2)).value_or(OperatorScope::kAdmin);
  record.scope.scope_id = row.OptionalText(3).value_or("");
  record.created_at_ms = row.Int(4);
  record.revoked_at_ms = row.OptionalInt(5);
  return record;
}

}  // namespace

Result<TokenScope> ParseTokenScope(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const auto scope = ParseOperatorScope(name);
  if (!scope) {
    return Fail(ErrorCode::kInvalidArgument,
                "scope must be municipality:CODE, provider:ID, partner:ID or admin");
  }
  TokenScope result;
  result.scope = *scope;
  if (*scope == OperatorScope::kAdmin) {
    if (colon != std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument, "the admin scope takes no id");
    }
    return result;
  }
  if (colon == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "the scope needs an id (municipality:131016)");
  }
  result.scope_id = std::string(text.substr(colon + 1));
  if (*scope == OperatorScope::kMunicipality ? !IsValidMunicipalityCode(result.scope_id)
                                             : !IsValidPartyId(result.scope_id)) {
    return Fail(ErrorCode::kInvalidArgument, "the scope's id is not valid");
  }
  return result;
}

std::string FormatTokenScope(const TokenScope& scope) {
  std::string text = OperatorScopeName(scope.scope);
  if (scope.scope != OperatorScope::kAdmin) text += ":" + scope.scope_id;
  return text;
}

Result<IssuedApiToken> ApiTokenDirectory::Issue(const TokenScope& scope, std::string_view name) {
  // Validates the scope the same way as typed text does.
  if (scope.scope == OperatorScope::kAdmin && !scope.scope_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "the admin scope takes no id");
  }
  MYKEY_ASSIGN_OR_RETURN(const TokenScope checked, ParseTokenScope(FormatTokenScope(scope)));
  if (name.empty() || name.size() > 200) {
    return Fail(ErrorCode::kInvalidArgument, "token name must be 1..200 bytes");
  }
  std::array<uint8_t, kTokenIdLength / 2> id_bytes{};
  std::array<uint8_t, kTokenSecretLength / 2> secret_bytes{};
  {
    std::lock_guard lock(random_mu_);
    MYKEY_TRY(random_.Fill(id_bytes));
    MYKEY_TRY(random_.Fill(secret_bytes));
  }
  IssuedApiToken issued;
  issued.record.id = ToLowerHex(id_bytes);
  issued.record.name = std::string(name);
  issued.record.scope = checked;
  issued.record.created_at_ms = clock_();
  std::string secret = ToLowerHex(secret_bytes);
  SecureWipe(secret_bytes.data(), secret_bytes.size());
  const crypto::Sha256Digest hash = crypto::Sha256(ViewOf(secret));
  std::optional<std::string> scope_id;
  if (checked.scope != OperatorScope::kAdmin) scope_id = checked.scope_id;
  const Status transaction =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        MYKEY_TRY(tx.Execute(
            "INSERT INTO auth_api_tokens (id, secret_hash, name, scope, scope_id, created_at_ms) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {issued.record.id, ByteView(hash), issued.record.name, OperatorScopeName(checked.scope),
             scope_id, issued.record.created_at_ms}));
        return Ok();
      });
  MYKEY_TRY(transaction);
  issued.token = std::string(kTokenPrefix) + issued.record.id + "_" + secret;
  SecureWipe(secret.data(), secret.size());
  return issued;
}

Result<std::vector<ApiTokenRecord>> ApiTokenDirectory::List() {
  std::vector<ApiTokenRecord> tokens;
  const Status transaction =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(
            auto rows, tx.Query("SELECT id, name, scope, scope_id, created_at_ms, "
                                "revoked_at_ms FROM auth_api_tokens ORDER BY created_at_ms, id"));
        tokens.clear();
        for (const Row& row : rows) tokens.push_back(TokenFromRow(row));
        return Ok();
      });
  MYKEY_TRY(transaction);
  return tokens;
}

Status ApiTokenDirectory::Revoke(std::string_view id) {
  const int64_t now_ms = clock_();
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT revoked_at_ms FROM auth_api_tokens "
                                                 "WHERE id = $1",
                                                 {id}));
    if (!row) return Fail(ErrorCode::kNotFound, "no such API token");
    if (!row->IsNull(0)) return Ok();
    MYKEY_TRY(
        tx.Execute("UPDATE auth_api_tokens SET revoked_at_ms = $2 WHERE id = $1", {id, now_ms}));
    return Ok();
  });
}

Result<Caller> ApiTokenDirectory::Authenticate(std::string_view token) {
  if (token.size() != kTokenPrefix.size() + kTokenIdLength + 1 + kTokenSecretLength ||
      !token.starts_with(kTokenPrefix) || token[kTokenPrefix.size() + kTokenIdLength] != '_') {
    return Fail(kBadToken);
  }
  const std::string_view id = token.substr(kTokenPrefix.size(), kTokenIdLength);
  const std::string_view secret = token.substr(kTokenPrefix.size() + kTokenIdLength + 1);
  if (!IsLowerHex(id) || !IsLowerHex(secret)) return Fail(kBadToken);

  std::optional<Row> found;
  const Status transaction =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(found,
                               tx.QueryRow("SELECT id, name, scope, scope_id, created_at_ms, "
                                           "revoked_at_ms, secret_hash "
                                           "FROM auth_api_tokens WHERE id = $1",
                                           {id}));
        return Ok();
      });
  MYKEY_TRY(transaction);
  // An unknown id costs the same hash and compare as a known one.
  const crypto::Sha256Digest no_hash{};
  const crypto::Sha256Digest hash = crypto::Sha256(ViewOf(secret));
  const bool matches =
      ConstantTimeEqual(hash, found ? ByteView(found->Blob(6)) : ByteView(no_hash));
  if (!found || !matches) return Fail(kBadToken);
  const ApiTokenRecord record = TokenFromRow(*found);
  if (record.revoked_at_ms) return Fail(ErrorCode::kPermissionDenied, "API token revoked");
  Caller caller;
  caller.kind = CallerKind::kOperator;
  caller.scope = record.scope.scope;
  caller.scope_id = record.scope.scope_id;
  caller.token_id = record.id;
  return caller;
}

}  // namespace mykey::cloud
