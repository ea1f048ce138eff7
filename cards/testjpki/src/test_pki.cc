#include "mykey/testjpki/test_pki.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <map>

#include "file_io.h"
#include "mykey/base/base64.h"
#include "mykey/crypto/crl.h"
#include "mykey/crypto/random.h"
#include "mykey/json/json.h"

namespace mykey::testjpki {

namespace {

using namespace std::chrono;

constexpr std::string_view kFormat = "mykey-testjpki/1";
constexpr std::string_view kIndexFile = "testjpki.json";
constexpr size_t kSerialSize = 8;

Result<std::unique_ptr<crypto::DeterministicRandom>> Stream(std::string_view seed,
                                                            const std::string& label) {
  return crypto::DeterministicRandom::Create(ViewOf(seed), ViewOf(label));
}

Result<Bytes> Draw(std::string_view seed, const std::string& label, size_t n) {
  MYKEY_ASSIGN_OR_RETURN(auto random, Stream(seed, label));
  Bytes out(n);
  MYKEY_TRY(random->Fill(out));
  return out;
}

/// A positive serial of exactly kSerialSize octets (first octet 0x10..0x7F).
Bytes MakeSerial(Bytes random) {
  random[0] = static_cast<uint8_t>(0x10 + (random[0] % 0x70));
  return random;
}

Result<crypto::RsaPrivateKey> MakeKey(std::string_view seed, const std::string& label) {
  MYKEY_ASSIGN_OR_RETURN(auto random, Stream(seed, label));
  return crypto::RsaPrivateKey::Generate(2048, *random);
}

const char* KindName(CaKind kind) {
  return kind == CaKind::kAuth ? "auth" : "sign";
}

std::string_view KindDn(CaKind kind) {
  return kind == CaKind::kAuth ? kAuthCaDn : kSignCaDn;
}

std::string_view KindCrlDp(CaKind kind) {
  return kind == CaKind::kAuth ? kAuthCrlDistributionPoint : kSignCrlDistributionPoint;
}

sys_days YearStart(int y) {
  return sys_days(year_month_day(year(y), January, day(1)));
}

sys_days AddYears(sys_days d, int years) {
  year_month_day ymd(d);
  year_month_day moved = ymd + std::chrono::years(years);
  // 02-29 + n years in a common year: the last day of February.
  if (!moved.ok())
    moved = year_month_day(year_month_day_last(moved.year(), month_day_last(February)));
  return sys_days(moved);
}

Result<CaGeneration> MakeCa(std::string_view seed, CaKind kind, int generation) {
  const std::string label = std::string(KindName(kind)) + "-ca/" + std::to_string(generation);
  MYKEY_ASSIGN_OR_RETURN(crypto::RsaPrivateKey key, MakeKey(seed, label + "/key"));
  MYKEY_ASSIGN_OR_RETURN(Bytes serial, Draw(seed, label + "/serial", kSerialSize));
  MYKEY_ASSIGN_OR_RETURN(Bytes der,
                         crypto::CertificateBuilder()
                             .SetSubject(KindDn(kind))
                             .SetSerial(MakeSerial(serial))
                             .SetValidity(YearStart(generation), YearStart(generation + 10))
                             .SetSubjectPublicKey(key.PublicKey())
                             .SetCa(true)
                             .SetKeyUsage(crypto::kKeyUsageKeyCertSign | crypto::kKeyUsageCrlSign)
                             .SetCrlDistributionPoint(KindCrlDp(kind))
                             .Build(key));
  MYKEY_ASSIGN_OR_RETURN(crypto::Certificate certificate, crypto::Certificate::FromDer(der));
  return CaGeneration{generation, std::move(certificate), std::move(key)};
}

bool IsAuthPin(std::string_view pin) {
  return pin.size() == jpki::kAuthPinLength &&
         std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsSignPassword(std::string_view password) {
  return password.size() >= jpki::kSignPasswordMinLength &&
         password.size() <= jpki::kSignPasswordMaxLength &&
         std::all_of(password.begin(), password.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string CaFileBase(CaKind kind, int generation) {
  return std::string(KindName(kind)) + "-ca-" + std::to_string(generation);
}

}  // namespace

// ----------------------------------------------------------------------- dates

Result<sys_days> ParseDate(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return Fail(ErrorCode::kInvalidArgument, "date must be YYYY-MM-DD");
  }
  auto number = [&](size_t at, size_t len, auto& out) {
    const char* first = text.data() + at;
    auto [ptr, ec] = std::from_chars(first, first + len, out);
    return ec == std::errc() && ptr == first + len;
  };
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) {
    return Fail(ErrorCode::kInvalidArgument, "date must be YYYY-MM-DD");
  }
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return Fail(ErrorCode::kInvalidArgument, "not a calendar date");
  return sys_days(ymd);
}

std::string FormatDate(sys_days d) {
  const year_month_day ymd(d);
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

Result<month_day> ParseMonthDay(std::string_view text) {
  unsigned m = 0, d = 0;
  auto number = [&](size_t at, unsigned& out) {
    const char* first = text.data() + at;
    auto [ptr, ec] = std::from_chars(first, first + 2, out);
    return ec == std::errc() && ptr == first + 2;
  };
  if (text.size() != 5 || text[2] != '-' || !number(0, m) || !number(3, d)) {
    return Fail(ErrorCode::kInvalidArgument, "birthday must be MM-DD");
  }
  const month_day md{month{m}, day{d}};
  if (!md.ok()) return Fail(ErrorCode::kInvalidArgument, "not a calendar day");
  return md;
}

sys_days NthBirthdayAfter(month_day birthday, sys_days after, int n) {
  const year_month_day start(after);
  auto birthday_in = [&](year y) {
    year_month_day ymd(y, birthday.month(), birthday.day());
    if (!ymd.ok()) ymd = year_month_day(y, February, day(28));
    return sys_days(ymd);
  };
  year y = start.year();
  if (birthday_in(y) <= after) ++y;
  return birthday_in(y + years(n - 1));
}

// ---------------------------------------------------------------------- TestPki

struct TestPki::State {
  std::string seed;
  std::map<int, CaGeneration> auth;
  std::map<int, CaGeneration> sign;

  const std::map<int, CaGeneration>& Of(CaKind kind) const {
    return kind == CaKind::kAuth ? auth : sign;
  }
};

TestPki::TestPki(std::unique_ptr<State> state) : state_(std::move(state)) {}
TestPki::TestPki(TestPki&&) noexcept = default;
TestPki& TestPki::operator=(TestPki&&) noexcept = default;
TestPki::~TestPki() = default;

Result<TestPki> TestPki::Create(std::string_view seed, const std::vector<int>& generations) {
  if (seed.empty()) return Fail(ErrorCode::kInvalidArgument, "seed is empty");
  if (generations.empty()) return Fail(ErrorCode::kInvalidArgument, "no CA generations");
  auto state = std::make_unique<State>();
  state->seed = std::string(seed);
  for (int generation : generations) {
    if (generation < 1990 || generation > 2100) {
      return Fail(ErrorCode::kInvalidArgument, "generation year outside 1990..2100");
    }
    if (state->auth.count(generation)) {
      return Fail(ErrorCode::kInvalidArgument, "generation listed twice");
    }
    MYKEY_ASSIGN_OR_RETURN(CaGeneration auth, MakeCa(seed, CaKind::kAuth, generation));
    MYKEY_ASSIGN_OR_RETURN(CaGeneration sign, MakeCa(seed, CaKind::kSign, generation));
    state->auth.emplace(generation, std::move(auth));
    state->sign.emplace(generation, std::move(sign));
  }
  return TestPki(std::move(state));
}

const std::string& TestPki::seed() const {
  return state_->seed;
}

std::vector<int> TestPki::generations() const {
  std::vector<int> out;
  for (const auto& [generation, ca] : state_->auth) out.push_back(generation);
  return out;
}

Result<const CaGeneration*> TestPki::Ca(CaKind kind, int generation) const {
  const auto& cas = state_->Of(kind);
  auto it = cas.find(generation);
  if (it == cas.end()) return Fail(ErrorCode::kNotFound, "no such CA generation");
  return &it->second;
}

std::vector<crypto::Certificate> TestPki::CaCertificates(CaKind kind) const {
  std::vector<crypto::Certificate> out;
  for (const auto& [generation, ca] : state_->Of(kind)) out.push_back(ca.certificate);
  return out;
}

std::string TestPki::CommonName(uint32_t index) const {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  auto random = Draw(state_->seed, "card/" + std::to_string(index) + "/cn", 16);
  std::string out;
  if (!random) return out;
  // 256 % 36 bias is irrelevant for test identifiers.
  for (uint8_t b : *random) out += kAlphabet[b % 36];
  return out;
}

Status TestPki::Save(const std::string& dir) const {
  MYKEY_TRY(internal::MakeDirectory(dir, 0755));
  MYKEY_TRY(internal::MakeDirectory(JoinPath(dir, "private"), 0700));
  json::OrderedJson index = json::OrderedJson::object();
  index["format"] = kFormat;
  index["seed"] = state_->seed;
  index["generations"] = generations();
  for (CaKind kind : {CaKind::kAuth, CaKind::kSign}) {
    json::OrderedJson list = json::OrderedJson::array();
    for (const auto& [generation, ca] : state_->Of(kind)) {
      const std::string base = CaFileBase(kind, generation);
      const crypto::Certificate& cert = ca.certificate;
      MYKEY_TRY(internal::WriteFile(JoinPath(dir, base + ".der"), cert.der(), 0644));
      MYKEY_TRY(internal::WriteFile(JoinPath(dir, base + ".pem"), ViewOf(cert.ToPem()), 0644));
      const SecretBytes key = ca.key.ToDer();
      MYKEY_TRY(
          internal::WriteFile(JoinPath(dir, "private/" + base + ".key.der"), key.view(), 0600));
      json::OrderedJson entry = json::OrderedJson::object();
      entry["generation"] = generation;
      entry["certificate"] = base + ".der";
      entry["certificate_pem"] = base + ".pem";
      entry["private_key"] = "private/" + base + ".key.der";
      entry["subject"] = cert.subject();
      entry["serial"] = cert.SerialHex();
      entry["not_before"] = FormatDate(floor<days>(cert.not_before()));
      entry["not_after"] = FormatDate(floor<days>(cert.not_after()));
      entry["subject_key_id"] = ToHex(cert.subject_key_id());
      list.push_back(entry);
    }
    index[kind == CaKind::kAuth ? "auth_ca" : "sign_ca"] = list;
  }
  const std::string text = json::Dump(index, 2) + "\n";
  return internal::WriteFile(JoinPath(dir, std::string(kIndexFile)), ViewOf(text), 0644);
}

Result<TestPki> TestPki::Load(const std::string& dir) {
  MYKEY_ASSIGN_OR_RETURN(Bytes text, internal::ReadFile(JoinPath(dir, std::string(kIndexFile))));
  MYKEY_ASSIGN_OR_RETURN(
      json::Json index,
      json::ParseJson(std::string_view(reinterpret_cast<const char*>(text.data()), text.size())));
  auto invalid = [](const char* message) { return Fail(ErrorCode::kInvalidArgument, message); };
  if (!index.is_object() || !index.contains("format") || index["format"] != kFormat) {
    return invalid("testjpki.json: not a mykey-testjpki/1 file");
  }
  if (!index["seed"].is_string()) return invalid("testjpki.json: seed missing");
  auto state = std::make_unique<State>();
  state->seed = index["seed"].get<std::string>();
  for (CaKind kind : {CaKind::kAuth, CaKind::kSign}) {
    const json::Json& list = index[kind == CaKind::kAuth ? "auth_ca" : "sign_ca"];
    if (!list.is_array() || list.empty()) return invalid("testjpki.json: CA list missing");
    for (const json::Json& entry : list) {
      if (!entry.is_object() || !entry["generation"].is_number_integer() ||
          !entry["certificate"].is_string() || !entry["private_key"].is_string()) {
        return invalid("testjpki.json: malformed CA entry");
      }
      const int generation = entry["generation"].get<int>();
      MYKEY_ASSIGN_OR_RETURN(Bytes cert_der, internal::ReadFile(JoinPath(
                                                 dir, entry["certificate"].get<std::string>())));
      MYKEY_ASSIGN_OR_RETURN(Bytes key_der, internal::ReadFile(JoinPath(
                                                dir, entry["private_key"].get<std::string>())));
      MYKEY_ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::FromDer(cert_der));
      auto key = crypto::RsaPrivateKey::FromDer(key_der);
      SecureWipe(key_der.data(), key_der.size());
      if (!key) return Fail(key.error());
      MYKEY_ASSIGN_OR_RETURN(crypto::RsaPublicKey cert_key, cert.PublicKey());
      if (cert_key.ToDer() != key->PublicKey().ToDer()) {
        return invalid("CA private key does not match its certificate");
      }
      auto& cas = kind == CaKind::kAuth ? state->auth : state->sign;
      cas.emplace(generation, CaGeneration{generation, std::move(cert), std::move(*key)});
    }
  }
  if (state->auth.size() != state->sign.size()) {
    return invalid("testjpki.json: auth and signature generations differ");
  }
  return TestPki(std::move(state));
}

Result<IssuedCard> TestPki::IssueCard(const CardOptions& options) const {
  if (options.now < YearStart(1990)) {
    return Fail(ErrorCode::kInvalidArgument, "CardOptions.now must be set");
  }
  if (!IsAuthPin(options.auth_pin)) {
    return Fail(ErrorCode::kInvalidArgument, "auth PIN must be exactly 4 digits");
  }
  if (!IsSignPassword(options.sign_password)) {
    return Fail(ErrorCode::kInvalidArgument,
                "signature password must be 6-16 upper-case letters and digits");
  }
  if (options.auth_pin_tries_left < 0 || options.auth_pin_tries_left > jpki::kAuthPinMaxTries ||
      options.sign_password_tries_left < 0 ||
      options.sign_password_tries_left > jpki::kSignPasswordMaxTries) {
    return Fail(ErrorCode::kInvalidArgument, "tries left out of range");
  }
  const std::string& seed = state_->seed;
  const std::string holder = "card/" + std::to_string(options.index);

  sys_days issued = options.now;
  switch (options.validity) {
    case CardValidity::kNormal: issued = options.issued.value_or(options.now); break;
    case CardValidity::kExpired: issued = options.issued.value_or(AddYears(options.now, -6)); break;
    case CardValidity::kNotYetValid:
      issued = options.issued.value_or(options.now + days(30));
      break;
  }

  int generation = options.generation;
  if (generation == 0) {
    generation = state_->auth.begin()->first;
    for (const auto& [g, ca] : state_->auth) {
      if (YearStart(g) <= issued) generation = g;
    }
  }
  MYKEY_ASSIGN_OR_RETURN(const CaGeneration* auth_ca, Ca(CaKind::kAuth, generation));
  MYKEY_ASSIGN_OR_RETURN(const CaGeneration* sign_ca, Ca(CaKind::kSign, generation));

  month_day birthday = January / 1;
  if (options.birthday) {
    birthday = *options.birthday;
  } else {
    MYKEY_ASSIGN_OR_RETURN(Bytes b, Draw(seed, holder + "/birthday", 2));
    birthday = month(1u + b[0] % 12u) / day(1u + b[1] % 28u);
  }
  const sys_days card_expiry = options.card_expiry.value_or(NthBirthdayAfter(birthday, issued, 10));
  const sys_days last_day = std::min(NthBirthdayAfter(birthday, issued, 5), card_expiry);
  const sys_seconds not_before = issued;
  // 23:59:59 JST on the last day.
  const sys_seconds not_after = sys_seconds(last_day) + hours(14) + minutes(59) + seconds(59);
  if (not_after <= not_before) {
    return Fail(ErrorCode::kInvalidArgument, "card expiry is before the issue date");
  }
  const sys_seconds now = options.now;
  if (options.validity == CardValidity::kExpired && not_after >= now) {
    return Fail(ErrorCode::kInvalidArgument,
                "the issue date gives a certificate that is not expired");
  }
  if (options.validity == CardValidity::kNotYetValid && not_before <= now) {
    return Fail(ErrorCode::kInvalidArgument, "the issue date gives a certificate already valid");
  }

  const std::string issue = holder + "/" + std::to_string(generation) + "/" + FormatDate(issued);
  MYKEY_ASSIGN_OR_RETURN(crypto::RsaPrivateKey auth_key, MakeKey(seed, holder + "/auth-key"));
  MYKEY_ASSIGN_OR_RETURN(crypto::RsaPrivateKey sign_key, MakeKey(seed, holder + "/sign-key"));
  MYKEY_ASSIGN_OR_RETURN(Bytes auth_serial, Draw(seed, issue + "/auth-serial", kSerialSize));
  MYKEY_ASSIGN_OR_RETURN(Bytes sign_serial, Draw(seed, issue + "/sign-serial", kSerialSize));

  MYKEY_ASSIGN_OR_RETURN(Bytes auth_der, crypto::CertificateBuilder()
                                             .SetSubject("C=JP, CN=" + CommonName(options.index))
                                             .SetIssuer(auth_ca->certificate)
                                             .SetSerial(MakeSerial(auth_serial))
                                             .SetValidity(not_before, not_after)
                                             .SetSubjectPublicKey(auth_key.PublicKey())
                                             .SetKeyUsage(crypto::kKeyUsageDigitalSignature)
                                             .SetCrlDistributionPoint(kAuthCrlDistributionPoint)
                                             .Build(auth_ca->key));
  // The signature certificate carries obviously fake holder attributes; the
  // product never reads it (jpki-card.md §2).
  char holder_name[48];
  std::snprintf(holder_name, sizeof(holder_name), "TEST HOLDER %05u", options.index);
  MYKEY_ASSIGN_OR_RETURN(
      Bytes sign_der,
      crypto::CertificateBuilder()
          .SetSubject(std::string("C=JP, L=TEST CITY, CN=") + holder_name)
          .SetIssuer(sign_ca->certificate)
          .SetSerial(MakeSerial(sign_serial))
          .SetValidity(not_before, not_after)
          .SetSubjectPublicKey(sign_key.PublicKey())
          .SetKeyUsage(crypto::kKeyUsageDigitalSignature | crypto::kKeyUsageNonRepudiation)
          .SetCrlDistributionPoint(kSignCrlDistributionPoint)
          .Build(sign_ca->key));
  MYKEY_ASSIGN_OR_RETURN(crypto::Certificate auth_cert, crypto::Certificate::FromDer(auth_der));
  MYKEY_ASSIGN_OR_RETURN(crypto::Certificate sign_cert, crypto::Certificate::FromDer(sign_der));

  jpki::JpkiPersonalisation card;
  card.token_type = options.token_type;
  card.auth_certificate = auth_der;
  card.auth_ca_certificate.assign(auth_ca->certificate.der().begin(),
                                  auth_ca->certificate.der().end());
  card.sign_certificate = sign_der;
  card.sign_ca_certificate.assign(sign_ca->certificate.der().begin(),
                                  sign_ca->certificate.der().end());
  card.auth_private_key = auth_key.ToDer();
  card.sign_private_key = sign_key.ToDer();
  card.auth_pin = SecretBytes(ViewOf(options.auth_pin));
  card.sign_password = SecretBytes(ViewOf(options.sign_password));
  card.counters.auth_pin_tries_left = options.auth_pin_tries_left;
  card.counters.sign_password_tries_left = options.sign_password_tries_left;
  card.counter_file = options.counter_file;
  return IssuedCard{std::move(card), std::move(auth_cert), std::move(sign_cert), generation,
                    birthday};
}

Result<Bytes> TestPki::MakeCrl(const CrlOptions& options) const {
  const int generation =
      options.generation != 0 ? options.generation : state_->Of(options.kind).rbegin()->first;
  MYKEY_ASSIGN_OR_RETURN(const CaGeneration* ca, Ca(options.kind, generation));
  const sys_seconds this_update = options.this_update;
  crypto::CrlBuilder builder;
  builder.SetIssuer(ca->certificate)
      .SetThisUpdate(this_update)
      .SetNextUpdate(options.next_update.value_or(this_update + days(1)))
      .SetCrlNumber(options.crl_number.value_or(
          static_cast<uint64_t>(floor<days>(this_update).time_since_epoch().count())));
  for (const Bytes& serial : options.serials) {
    if (serial.empty() || serial.size() > 20) {
      return Fail(ErrorCode::kInvalidArgument, "revoked serial must be 1..20 octets");
    }
    builder.AddRevoked(serial, this_update);
  }
  if (options.random_count > 0) {
    const std::string label = std::string("crl/") + KindName(options.kind) + "/" +
                              std::to_string(generation) + "/" +
                              std::to_string(this_update.time_since_epoch().count()) + "/random";
    MYKEY_ASSIGN_OR_RETURN(auto random, Stream(state_->seed, label));
    Bytes serial(kSerialSize);
    for (size_t i = 0; i < options.random_count; ++i) {
      MYKEY_TRY(random->Fill(serial));
      builder.AddRevoked(MakeSerial(serial), this_update - days(static_cast<int64_t>(i % 365)));
    }
  }
  return builder.Build(ca->key);
}

}  // namespace mykey::testjpki
