#include "mykey/terminal/trust_anchors.h"

#include <cerrno>
#include <cstdio>
#include <string_view>

#include "mykey/base/file.h"

namespace mykey::terminal {

Result<std::vector<crypto::Certificate>> LoadTrustAnchors(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Fail(ErrorCode::kNotFound, "trust anchors file cannot be opened", ErrorDomain::kOs,
                errno);
  }
  std::string text;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) text.append(buf, n);
  std::fclose(file);
  std::vector<crypto::Certificate> anchors;
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  size_t at = 0;
  while ((at = text.find(kBegin, at)) != std::string::npos) {
    size_t end = text.find(kEnd, at);
    if (end == std::string::npos) break;
    end += kEnd.size();
    MYKEY_ASSIGN_OR_RETURN(auto certificate, crypto::Certificate::FromPem(
                                                 std::string_view(text).substr(at, end - at)));
    if (!certificate.is_ca()) {
      return Fail(ErrorCode::kInvalidArgument, "a trust anchor is not a CA certificate");
    }
    anchors.push_back(std::move(certificate));
    at = end;
  }
  if (anchors.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no certificate in the anchors file");
  }
  return anchors;
}

Status SaveTrustAnchors(const std::string& path, std::span<const crypto::Certificate> anchors) {
  if (anchors.empty()) return Fail(ErrorCode::kInvalidArgument, "no trust anchors to keep");
  std::string pem;
  for (const crypto::Certificate& anchor : anchors) pem += anchor.ToPem();
  return ReplaceFile(path, std::string_view(pem), 0644);
}

Result<size_t> RefreshTrustAnchors(cloud_client::CloudClient& client, const std::string& path) {
  MYKEY_ASSIGN_OR_RETURN(const std::vector<crypto::Certificate> anchors, client.JpkiAuthCas());
  MYKEY_TRY(SaveTrustAnchors(path, anchors));
  return anchors.size();
}

}  // namespace mykey::terminal
