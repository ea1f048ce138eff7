#include "mykey/auth/enrollment.h"

#include <array>

#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/sha256.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view kLowerHex = "0123456789abcdef";
constexpr size_t kCodeIdLength = 8;
constexpr size_t kCodeSecretLength = 16;
constexpr size_t kCodeLength = kCodeIdLength + kCodeSecretLength;
constexpr size_t kSaltSize = 16;

constexpr Error kBadCode(ErrorCode::kUnauthenticated, "enrollment code not valid");

crypto::Sha256Digest SecretHash(ByteView salt, std::string_view secret) {
  Bytes input(salt.begin(), salt.end());
  input.insert(input.end(), secret.begin(), secret.end());
  const crypto::Sha256Digest digest = crypto::Sha256(input);
  SecureWipe(input.data(), input.size());
  return digest;
}

std::string Grouped(std::string_view code) {
  std::string out;
  for (size_t i = 0; i < code.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(code[i]);
  }
  return out;
}

}  // namespace

Result<std::string> NormaliseEnrollmentCode(std::string_view typed) {
  std::string code;
  if (typed.size() > 64) return Fail(ErrorCode::kInvalidArgument, "enrollment code malformed");
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (kCrockford.find(c) == std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument, "enrollment code malformed");
    }
    code.push_back(c);
  }
  if (code.size() != kCodeLength) {
    return Fail(ErrorCode::kInvalidArgument, "enrollment code malformed");
  }
  return code;
}

Status TerminalEnrollment::FillRandom(std::span<uint8_t> out) {
  std::lock_guard lock(random_mu_);
  return random_.Fill(out);
}

Result<std::string> TerminalEnrollment::RandomText(size_t length, std::string_view alphabet) {
  // The alphabets have 16 or 32 characters: a byte's low bits are uniform.
  Bytes bytes(length);
  MYKEY_TRY(FillRandom(bytes));
  std::string text;
  text.reserve(length);
  for (const uint8_t b : bytes) text.push_back(alphabet[b % alphabet.size()]);
  SecureWipe(bytes.data(), bytes.size());
  return text;
}

Result<IssuedEnrollmentCode> TerminalEnrollment::IssueCode(const Site& site,
                                                           std::chrono::seconds ttl) {
  MYKEY_TRY(ValidateSite(site));
  if (ttl < std::chrono::minutes(1) || ttl > kMaxEnrollmentCodeTtl) {
    return Fail(ErrorCode::kInvalidArgument, "enrollment code lifetime out of range");
  }
  const int64_t now_ms = clock_();
  IssuedEnrollmentCode issued;
  issued.site = site;
  issued.expires_at_ms =
      now_ms + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  // A clash of the 40-bit code ids is rare; draw again if it happens.
  for (int attempt = 0;; ++attempt) {
    MYKEY_ASSIGN_OR_RETURN(std::string id, RandomText(kCodeIdLength, kCrockford));
    MYKEY_ASSIGN_OR_RETURN(std::string secret, RandomText(kCodeSecretLength, kCrockford));
    std::array<uint8_t, kSaltSize> salt{};
    MYKEY_TRY(FillRandom(salt));
    const crypto::Sha256Digest hash = SecretHash(salt, secret);
    const Status inserted =
        store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          MYKEY_TRY(tx.Execute(
              "INSERT INTO auth_enrollment_codes (id, salt, secret_hash, site_kind, site_id, "
              "provider_id, municipality_code, created_at_ms, expires_at_ms) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
              {id, ByteView(salt), ByteView(hash), SiteKindName(site.kind), site.id,
               site.provider_id, site.municipality_code, now_ms, issued.expires_at_ms}));
          return Ok();
        });
    if (!inserted && inserted.error().code() == ErrorCode::kAlreadyExists && attempt < 4) continue;
    MYKEY_TRY(inserted);
    issued.code_id = id;
    issued.code = Grouped(id + secret);
    SecureWipe(secret.data(), secret.size());
    return issued;
  }
}

Result<EnrolledTerminal> TerminalEnrollment::Enroll(std::string_view code, ByteView public_key_der,
                                                    std::string_view name) {
  if (name.empty() || name.size() > 100) {
    return Fail(ErrorCode::kInvalidArgument, "terminal name must be 1..100 bytes");
  }
  MYKEY_ASSIGN_OR_RETURN(const crypto::EcdsaPublicKey key,
                         crypto::EcdsaPublicKey::FromDer(public_key_der));
  const Bytes key_der = key.ToDer();
  auto normalised = NormaliseEnrollmentCode(code);
  if (!normalised) return Fail(kBadCode);
  const std::string code_id = normalised->substr(0, kCodeIdLength);
  const std::string secret = normalised->substr(kCodeIdLength);
  MYKEY_ASSIGN_OR_RETURN(const std::string terminal_id, RandomText(24, kLowerHex));

  EnrolledTerminal enrolled;
  enrolled.terminal_id = terminal_id;
  const Status transaction =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        const int64_t now_ms = clock_();
        MYKEY_ASSIGN_OR_RETURN(
            auto row, tx.QueryRow("SELECT salt, secret_hash, site_kind, site_id, provider_id, "
                                  "municipality_code, expires_at_ms, used_at_ms "
                                  "FROM auth_enrollment_codes WHERE id = $1",
                                  {code_id}));
        // An unknown id costs the same hash and compare as a known one.
        const std::array<uint8_t, kSaltSize> no_salt{};
        const crypto::Sha256Digest no_hash{};
        const ByteView salt = row ? ByteView(row->Blob(0)) : ByteView(no_salt);
        const ByteView stored = row ? ByteView(row->Blob(1)) : ByteView(no_hash);
        const crypto::Sha256Digest hash = SecretHash(salt, secret);
        const bool matches = ConstantTimeEqual(hash, stored);
        if (!row || !matches || row->Int(6) <= now_ms) return Fail(kBadCode);
        if (!row->IsNull(7)) return Fail(ErrorCode::kAlreadyExists, "enrollment code already used");
        enrolled.site.kind = ParseSiteKind(row->Text(2)).value_or(SiteKind::kMerchant);
        enrolled.site.id = row->Text(3);
        enrolled.site.provider_id = row->Text(4);
        enrolled.site.municipality_code = row->Text(5);

        MYKEY_ASSIGN_OR_RETURN(
            const int64_t consumed,
            tx.Execute("UPDATE auth_enrollment_codes SET used_at_ms = $2, terminal_id = $3 "
                       "WHERE id = $1 AND used_at_ms IS NULL",
                       {code_id, now_ms, terminal_id}));
        if (consumed != 1) return Fail(ErrorCode::kAlreadyExists, "enrollment code already used");
        const Status inserted = [&]() -> Status {
          MYKEY_TRY(tx.Execute(
              "INSERT INTO auth_terminals (id, name, public_key, site_kind, site_id, provider_id, "
              "municipality_code, status, enrollment_code_id, enrolled_at_ms) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)",
              {terminal_id, name, ByteView(key_der), SiteKindName(enrolled.site.kind),
               enrolled.site.id, enrolled.site.provider_id, enrolled.site.municipality_code,
               code_id, now_ms}));
          return Ok();
        }();
        if (!inserted && inserted.error().code() == ErrorCode::kAlreadyExists) {
          return Fail(ErrorCode::kAlreadyExists, "public key enrolled already");
        }
        return inserted;
      });
  MYKEY_TRY(transaction);
  return enrolled;
}

}  // namespace mykey::cloud
