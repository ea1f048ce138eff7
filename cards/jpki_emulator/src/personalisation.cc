#include "mykey/jpki_emulator/personalisation.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "file_io.h"
#include "mykey/base/base64.h"
#include "mykey/base/der.h"
#include "mykey/crypto/rsa.h"
#include "mykey/json/json.h"

namespace mykey::jpki {
namespace {

using json::Json;

constexpr unsigned kSecretFileMode = 0600;
constexpr size_t kMinCertificateEfSize = 4;

Error Invalid(const char* message) {
  return Error(ErrorCode::kInvalidArgument, message);
}

// One DER SEQUENCE filling the whole buffer (a certificate's outer shape).
bool IsOneDerSequence(ByteView der) {
  if (der.empty() || der[0] != 0x30) return false;
  auto size = DerElementSize(der);
  return size && *size == der.size();
}

bool Contains(ByteView haystack, ByteView needle) {
  if (needle.empty()) return true;
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

// A JPKI key: RSA-2048, e = 65537, and its public key is the one its
// certificate carries. The certificate holds the SubjectPublicKeyInfo as DER
// verbatim, so the key matches when that exact encoding occurs in it.
Status CheckKey(ByteView key_der, ByteView certificate, const char* not_rsa, const char* not_2048,
                const char* mismatch) {
  auto key = crypto::RsaPrivateKey::FromDer(key_der);
  if (!key) return Fail(Invalid(not_rsa));
  if (key->bits() != 2048 || key->PublicKey().exponent() != 65537) return Fail(Invalid(not_2048));
  if (!certificate.empty()) {
    Bytes spki = key->PublicKey().ToDer();
    if (!Contains(certificate, spki)) return Fail(Invalid(mismatch));
  }
  return Ok();
}

bool IsAuthPin(ByteView pin) {
  return pin.size() == kAuthPinLength &&
         std::all_of(pin.begin(), pin.end(), [](uint8_t c) { return c >= '0' && c <= '9'; });
}

bool IsSignPassword(ByteView password) {
  return password.size() >= kSignPasswordMinLength && password.size() <= kSignPasswordMaxLength &&
         std::all_of(password.begin(), password.end(),
                     [](uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

Status CheckCounters(const PinCounters& c) {
  if (c.auth_pin_tries_left < 0 || c.auth_pin_tries_left > kAuthPinMaxTries) {
    return Fail(Invalid("auth PIN tries left out of range 0..3"));
  }
  if (c.sign_password_tries_left < 0 || c.sign_password_tries_left > kSignPasswordMaxTries) {
    return Fail(Invalid("signature password tries left out of range 0..5"));
  }
  return Ok();
}

// Reads a JSON member that must be a string.
Result<const std::string*> StringMember(const Json& object, const char* name, const char* missing) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return Fail(Invalid(missing));
  return &it->get_ref<const std::string&>();
}

Result<Bytes> Base64Member(const Json& object, const char* name, const char* missing,
                           const char* bad) {
  MYKEY_ASSIGN_OR_RETURN(const std::string* text, StringMember(object, name, missing));
  auto decoded = Base64Decode(*text);
  if (!decoded) return Fail(Invalid(bad));
  return std::move(*decoded);
}

Result<int> IntMember(const Json& object, const char* name, const char* missing) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return Fail(Invalid(missing));
  int64_t value = it->get<int64_t>();
  if (value < INT32_MIN || value > INT32_MAX) return Fail(Invalid(missing));
  return static_cast<int>(value);
}

SecretBytes SecretFromString(std::string& text) {
  SecretBytes secret(ViewOf(text));
  SecureWipe(text.data(), text.size());
  return secret;
}

std::string Base64Secret(const SecretBytes& secret) {
  return Base64Encode(secret.view());
}

Result<PinCounters> ParseCounters(const Json& object) {
  if (!object.is_object()) return Fail(Invalid("counters: not a JSON object"));
  for (const auto& item : object.items()) {
    if (item.key() != "auth_pin_tries_left" && item.key() != "sign_password_tries_left") {
      return Fail(Invalid("counters: unknown member"));
    }
  }
  PinCounters counters;
  MYKEY_ASSIGN_OR_RETURN(counters.auth_pin_tries_left,
                         IntMember(object, "auth_pin_tries_left",
                                   "counters: auth_pin_tries_left missing or not an integer"));
  MYKEY_ASSIGN_OR_RETURN(counters.sign_password_tries_left,
                         IntMember(object, "sign_password_tries_left",
                                   "counters: sign_password_tries_left missing or not an integer"));
  MYKEY_TRY(CheckCounters(counters));
  return counters;
}

Json CountersToJson(const PinCounters& counters) {
  Json object = Json::object();
  object["auth_pin_tries_left"] = counters.auth_pin_tries_left;
  object["sign_password_tries_left"] = counters.sign_password_tries_left;
  return object;
}

constexpr const char* kMembers[] = {
    "format",           "token_type",          "auth_certificate", "auth_ca_certificate",
    "sign_certificate", "sign_ca_certificate", "auth_private_key", "sign_private_key",
    "auth_pin",         "sign_password",       "counters",         "certificate_ef_size",
    "counter_file"};

}  // namespace

Status ValidatePersonalisation(const JpkiPersonalisation& card) {
  if (TokenTypeName(card.token_type).empty()) return Fail(Invalid("unknown token type"));
  if (card.certificate_ef_size < kMinCertificateEfSize || card.certificate_ef_size > kMaxEfSize) {
    return Fail(Invalid("certificate_ef_size out of range 4..32768"));
  }
  if (card.auth_certificate.empty()) return Fail(Invalid("auth certificate missing"));
  if (card.auth_ca_certificate.empty()) return Fail(Invalid("auth CA certificate missing"));
  struct NamedCertificate {
    const Bytes& der;
    const char* not_der;
    const char* too_large;
  };
  const NamedCertificate certificates[] = {
      {card.auth_certificate, "auth certificate is not one DER SEQUENCE",
       "auth certificate larger than its EF"},
      {card.auth_ca_certificate, "auth CA certificate is not one DER SEQUENCE",
       "auth CA certificate larger than its EF"},
      {card.sign_certificate, "signature certificate is not one DER SEQUENCE",
       "signature certificate larger than its EF"},
      {card.sign_ca_certificate, "signature CA certificate is not one DER SEQUENCE",
       "signature CA certificate larger than its EF"},
  };
  for (const NamedCertificate& c : certificates) {
    if (c.der.empty()) continue;  // only the signature side may be empty (checked above)
    if (!IsOneDerSequence(c.der)) return Fail(Invalid(c.not_der));
    if (c.der.size() > card.certificate_ef_size) return Fail(Invalid(c.too_large));
  }
  if (card.auth_private_key.empty()) return Fail(Invalid("auth private key missing"));
  MYKEY_TRY(CheckKey(card.auth_private_key.view(), card.auth_certificate,
                     "auth private key is not a DER RSA private key",
                     "auth private key is not RSA-2048 with e = 65537",
                     "auth private key does not match the auth certificate"));
  if (!card.sign_private_key.empty()) {
    MYKEY_TRY(CheckKey(card.sign_private_key.view(), card.sign_certificate,
                       "signature private key is not a DER RSA private key",
                       "signature private key is not RSA-2048 with e = 65537",
                       "signature private key does not match the signature certificate"));
  }
  if (!IsAuthPin(card.auth_pin.view())) {
    return Fail(Invalid("auth PIN must be exactly 4 ASCII digits"));
  }
  if (!IsSignPassword(card.sign_password.view())) {
    return Fail(Invalid("signature password must be 6-16 upper-case letters and digits"));
  }
  MYKEY_TRY(CheckCounters(card.counters));
  return Ok();
}

Result<JpkiPersonalisation> ParsePersonalisation(std::string_view json_text,
                                                 const std::string& base_dir) {
  auto parsed = json::ParseJson(json_text);
  if (!parsed) return Fail(Invalid("personalisation is not valid JSON"));
  Json& root = *parsed;
  if (!root.is_object()) return Fail(Invalid("personalisation is not a JSON object"));
  for (const auto& item : root.items()) {
    if (std::find(std::begin(kMembers), std::end(kMembers), item.key()) == std::end(kMembers)) {
      return Fail(Invalid("personalisation has an unknown member"));
    }
  }
  MYKEY_ASSIGN_OR_RETURN(const std::string* format,
                         StringMember(root, "format", "format tag missing"));
  if (*format != kPersonalisationFormat) {
    return Fail(Invalid("format tag is not mykey-jpki-card/1"));
  }

  JpkiPersonalisation card;
  MYKEY_ASSIGN_OR_RETURN(const std::string* token,
                         StringMember(root, "token_type", "token_type missing"));
  auto token_type = TokenTypeFromName(*token);
  if (!token_type) return Fail(Invalid("token_type is not a known token type"));
  card.token_type = *token_type;

  MYKEY_ASSIGN_OR_RETURN(card.auth_certificate,
                         Base64Member(root, "auth_certificate", "auth_certificate missing",
                                      "auth_certificate is not Base64"));
  MYKEY_ASSIGN_OR_RETURN(card.auth_ca_certificate,
                         Base64Member(root, "auth_ca_certificate", "auth_ca_certificate missing",
                                      "auth_ca_certificate is not Base64"));
  MYKEY_ASSIGN_OR_RETURN(card.sign_certificate,
                         Base64Member(root, "sign_certificate", "sign_certificate missing",
                                      "sign_certificate is not Base64"));
  MYKEY_ASSIGN_OR_RETURN(card.sign_ca_certificate,
                         Base64Member(root, "sign_ca_certificate", "sign_ca_certificate missing",
                                      "sign_ca_certificate is not Base64"));
  {
    MYKEY_ASSIGN_OR_RETURN(Bytes key,
                           Base64Member(root, "auth_private_key", "auth_private_key missing",
                                        "auth_private_key is not Base64"));
    card.auth_private_key = SecretBytes(key);
    SecureWipe(key.data(), key.size());
  }
  {
    MYKEY_ASSIGN_OR_RETURN(Bytes key,
                           Base64Member(root, "sign_private_key", "sign_private_key missing",
                                        "sign_private_key is not Base64"));
    card.sign_private_key = SecretBytes(key);
    SecureWipe(key.data(), key.size());
  }
  {
    auto it = root.find("auth_pin");
    if (it == root.end() || !it->is_string()) return Fail(Invalid("auth_pin missing"));
    card.auth_pin = SecretFromString(it->get_ref<std::string&>());
  }
  {
    auto it = root.find("sign_password");
    if (it == root.end() || !it->is_string()) return Fail(Invalid("sign_password missing"));
    card.sign_password = SecretFromString(it->get_ref<std::string&>());
  }
  {
    auto it = root.find("counters");
    if (it == root.end()) return Fail(Invalid("counters missing"));
    MYKEY_ASSIGN_OR_RETURN(card.counters, ParseCounters(*it));
  }
  {
    auto it = root.find("certificate_ef_size");
    if (it == root.end() || !it->is_number_unsigned()) {
      return Fail(Invalid("certificate_ef_size missing or not a positive integer"));
    }
    uint64_t size = it->get<uint64_t>();
    if (size > kMaxEfSize) return Fail(Invalid("certificate_ef_size out of range 4..32768"));
    card.certificate_ef_size = static_cast<size_t>(size);
  }
  MYKEY_ASSIGN_OR_RETURN(const std::string* counter_file,
                         StringMember(root, "counter_file", "counter_file missing"));
  card.counter_file = *counter_file;
  if (!card.counter_file.empty() && card.counter_file.front() != '/' && !base_dir.empty()) {
    card.counter_file = base_dir + "/" + card.counter_file;
  }
  MYKEY_TRY(ValidatePersonalisation(card));
  return card;
}

std::string SerialisePersonalisation(const JpkiPersonalisation& card) {
  json::OrderedJson root = json::OrderedJson::object();
  root["format"] = std::string(kPersonalisationFormat);
  root["token_type"] = std::string(TokenTypeName(card.token_type));
  root["auth_certificate"] = Base64Encode(card.auth_certificate);
  root["auth_ca_certificate"] = Base64Encode(card.auth_ca_certificate);
  root["sign_certificate"] = Base64Encode(card.sign_certificate);
  root["sign_ca_certificate"] = Base64Encode(card.sign_ca_certificate);
  root["auth_private_key"] = Base64Secret(card.auth_private_key);
  root["sign_private_key"] = Base64Secret(card.sign_private_key);
  root["auth_pin"] = std::string(card.auth_pin.view().begin(), card.auth_pin.view().end());
  root["sign_password"] =
      std::string(card.sign_password.view().begin(), card.sign_password.view().end());
  json::OrderedJson counters = json::OrderedJson::object();
  counters["auth_pin_tries_left"] = card.counters.auth_pin_tries_left;
  counters["sign_password_tries_left"] = card.counters.sign_password_tries_left;
  root["counters"] = counters;
  root["certificate_ef_size"] = card.certificate_ef_size;
  root["counter_file"] = card.counter_file;
  std::string text = json::Dump(root, 2);
  text.push_back('\n');
  return text;
}

Result<JpkiPersonalisation> LoadPersonalisation(const std::string& path) {
  MYKEY_ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
  auto card = ParsePersonalisation(text, internal::DirectoryOf(path));
  SecureWipe(text.data(), text.size());
  return card;
}

Status SavePersonalisation(const JpkiPersonalisation& card, const std::string& path) {
  MYKEY_TRY(ValidatePersonalisation(card));
  std::string text = SerialisePersonalisation(card);
  Status written = internal::WriteFileAtomically(path, text, kSecretFileMode);
  SecureWipe(text.data(), text.size());
  return written;
}

Result<std::optional<PinCounters>> LoadPinCounters(const std::string& path) {
  auto text = internal::ReadWholeFile(path);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound) return std::optional<PinCounters>();
    return Fail(text.error());
  }
  auto parsed = json::ParseJson(*text);
  if (!parsed || !parsed->is_object()) {
    return Fail(ErrorCode::kDataLoss, "PIN counter file is not valid JSON");
  }
  auto format = parsed->find("format");
  if (format == parsed->end() || !format->is_string() ||
      format->get_ref<const std::string&>() != kPinCountersFormat) {
    return Fail(ErrorCode::kDataLoss, "PIN counter file has a wrong format tag");
  }
  Json counters_json = *parsed;
  counters_json.erase("format");
  auto counters = ParseCounters(counters_json);
  if (!counters) return Fail(ErrorCode::kDataLoss, "PIN counter file is malformed");
  return std::optional<PinCounters>(*counters);
}

Status SavePinCounters(const PinCounters& counters, const std::string& path) {
  MYKEY_TRY(CheckCounters(counters));
  Json root = CountersToJson(counters);
  root["format"] = std::string(kPinCountersFormat);
  return internal::WriteFileAtomically(path, json::Dump(root) + "\n", kSecretFileMode);
}

}  // namespace mykey::jpki
