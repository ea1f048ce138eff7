#include "mykey/protocol/request_signature.h"

#include <array>
#include <charconv>

#include "mykey/base/base64.h"

namespace mykey::protocol {

namespace {

constexpr char kHexDigitsLower[] = "0123456789abcdef";
constexpr char kHexDigitsUpper[] = "0123456789ABCDEF";

bool IsUnreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void AppendPercentEncoded(std::string& out, std::string_view text, bool keep_slash) {
  for (const char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHexDigitsUpper[byte >> 4]);
      out.push_back(kHexDigitsUpper[byte & 0x0F]);
    }
  }
}

std::string LowerHex(ByteView bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const uint8_t b : bytes) {
    out.push_back(kHexDigitsLower[b >> 4]);
    out.push_back(kHexDigitsLower[b & 0x0F]);
  }
  return out;
}

}  // namespace

std::string CanonicalRequestTarget(std::string_view path, QueryArguments query) {
  std::string out;
  out.reserve(path.size() + 16);
  AppendPercentEncoded(out, path, /*keep_slash=*/true);
  char separator = '?';
  for (const auto& [name, value] : query) {
    out.push_back(separator);
    separator = '&';
    AppendPercentEncoded(out, name, /*keep_slash=*/false);
    out.push_back('=');
    AppendPercentEncoded(out, value, /*keep_slash=*/false);
  }
  return out;
}

std::string CanonicalRequestString(std::string_view method, std::string_view target,
                                   int64_t timestamp, std::string_view nonce,
                                   std::string_view body) {
  const crypto::Sha256Digest body_digest = crypto::Sha256(ViewOf(body));
  std::string out;
  out.reserve(kRequestSignatureScheme.size() + method.size() + target.size() + nonce.size() + 96);
  out.append(kRequestSignatureScheme);
  out.push_back('\n');
  out.append(method);
  out.push_back('\n');
  out.append(target);
  out.push_back('\n');
  out.append(std::to_string(timestamp));
  out.push_back('\n');
  out.append(nonce);
  out.push_back('\n');
  out.append(LowerHex(body_digest));
  return out;
}

crypto::Sha256Digest RequestSignatureDigest(std::string_view method, std::string_view target,
                                            int64_t timestamp, std::string_view nonce,
                                            std::string_view body) {
  return crypto::Sha256(ViewOf(CanonicalRequestString(method, target, timestamp, nonce, body)));
}

bool IsValidRequestNonce(std::string_view nonce) noexcept {
  if (nonce.size() < kRequestNonceMinLength || nonce.size() > kRequestNonceMaxLength) return false;
  for (const char c : nonce) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> NewRequestNonce(crypto::RandomSource& random) {
  std::array<uint8_t, 16> bytes{};
  MYKEY_TRY(random.Fill(bytes));
  return LowerHex(bytes);
}

Result<int64_t> ParseRequestTimestamp(std::string_view text) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) {
    return Fail(ErrorCode::kInvalidArgument, "request timestamp is not Unix seconds");
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return Fail(ErrorCode::kInvalidArgument, "request timestamp is not Unix seconds");
  }
  return value;
}

Result<RequestSignatureHeaders> SignRequest(const crypto::EcdsaPrivateKey& key,
                                            std::string_view terminal_id, std::string_view method,
                                            std::string_view target, std::string_view body,
                                            int64_t timestamp, std::string_view nonce) {
  if (terminal_id.empty()) return Fail(ErrorCode::kInvalidArgument, "terminal id is empty");
  if (!IsValidRequestNonce(nonce)) return Fail(ErrorCode::kInvalidArgument, "nonce is not valid");
  if (timestamp < 0) return Fail(ErrorCode::kInvalidArgument, "timestamp is negative");
  MYKEY_ASSIGN_OR_RETURN(const Bytes signature,
                         key.Sign(RequestSignatureDigest(method, target, timestamp, nonce, body)));
  RequestSignatureHeaders headers;
  headers.terminal = std::string(terminal_id);
  headers.timestamp = std::to_string(timestamp);
  headers.nonce = std::string(nonce);
  headers.signature = Base64Encode(signature);
  return headers;
}

namespace {

/// The raw r || s of an X-Mykey-Signature value.
Result<Bytes> DecodeRequestSignature(std::string_view signature_base64) {
  // 64 bytes are 88 Base64 characters; anything longer is not worth decoding.
  if (signature_base64.size() > 128) {
    return Fail(ErrorCode::kUnauthenticated, "request signature is malformed");
  }
  auto signature = Base64Decode(signature_base64);
  if (!signature || signature->size() != crypto::kEcdsaP256SignatureSize) {
    return Fail(ErrorCode::kUnauthenticated, "request signature is malformed");
  }
  return std::move(*signature);
}

}  // namespace

Status VerifyRequestSignature(const crypto::EcdsaPublicKey& key, std::string_view method,
                              std::string_view target, int64_t timestamp, std::string_view nonce,
                              std::string_view body, std::string_view signature_base64) {
  MYKEY_ASSIGN_OR_RETURN(const Bytes signature, DecodeRequestSignature(signature_base64));
  return key.Verify(RequestSignatureDigest(method, target, timestamp, nonce, body), signature);
}

Status VerifyRequestSignature(const crypto::PreparedEcdsaPublicKey& key, std::string_view method,
                              std::string_view target, int64_t timestamp, std::string_view nonce,
                              std::string_view body, std::string_view signature_base64) {
  MYKEY_ASSIGN_OR_RETURN(const Bytes signature, DecodeRequestSignature(signature_base64));
  return key.Verify(RequestSignatureDigest(method, target, timestamp, nonce, body), signature);
}

}  // namespace mykey::protocol
