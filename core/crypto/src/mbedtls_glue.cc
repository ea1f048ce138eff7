#include "mbedtls_glue.h"

#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509.h>

#include <span>

namespace mykey::crypto::internal {

Error MbedTlsError(int ret, const char* message) {
  // mbedTLS adds a high-level code (bits 7..15) to a low-level one (bits 0..6).
  const int high = -((-ret) & 0xFF80);
  const int low = -((-ret) & 0x007F);
  ErrorCode code = ErrorCode::kInternal;
  switch (high) {
    case MBEDTLS_ERR_RSA_VERIFY_FAILED:
    case MBEDTLS_ERR_RSA_INVALID_PADDING:
    case MBEDTLS_ERR_RSA_PUBLIC_FAILED:
    case MBEDTLS_ERR_PK_SIG_LEN_MISMATCH:
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED: code = ErrorCode::kUnauthenticated; break;
    case MBEDTLS_ERR_RSA_BAD_INPUT_DATA:
    case MBEDTLS_ERR_RSA_OUTPUT_TOO_LARGE:
    case MBEDTLS_ERR_PK_BAD_INPUT_DATA:
    case MBEDTLS_ERR_PK_TYPE_MISMATCH:
    case MBEDTLS_ERR_PK_KEY_INVALID_VERSION:
    case MBEDTLS_ERR_PK_KEY_INVALID_FORMAT:
    case MBEDTLS_ERR_PK_UNKNOWN_PK_ALG:
    case MBEDTLS_ERR_PK_PASSWORD_REQUIRED:
    case MBEDTLS_ERR_PK_PASSWORD_MISMATCH:
    case MBEDTLS_ERR_PK_INVALID_PUBKEY:
    case MBEDTLS_ERR_PK_INVALID_ALG:
    case MBEDTLS_ERR_RSA_KEY_CHECK_FAILED:
    case MBEDTLS_ERR_X509_INVALID_FORMAT:
    case MBEDTLS_ERR_X509_INVALID_VERSION:
    case MBEDTLS_ERR_X509_INVALID_SERIAL:
    case MBEDTLS_ERR_X509_INVALID_ALG:
    case MBEDTLS_ERR_X509_INVALID_NAME:
    case MBEDTLS_ERR_X509_INVALID_DATE:
    case MBEDTLS_ERR_X509_INVALID_SIGNATURE:
    case MBEDTLS_ERR_X509_INVALID_EXTENSIONS:
    case MBEDTLS_ERR_X509_UNKNOWN_VERSION:
    case MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG:
    case MBEDTLS_ERR_X509_SIG_MISMATCH:
    case MBEDTLS_ERR_X509_BAD_INPUT_DATA:
    case MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT:
    case MBEDTLS_ERR_PEM_INVALID_DATA:
    case MBEDTLS_ERR_PEM_INVALID_ENC_IV:
    case MBEDTLS_ERR_PEM_BAD_INPUT_DATA: code = ErrorCode::kInvalidArgument; break;
    case MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE:
    case MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE:
    case MBEDTLS_ERR_RSA_UNSUPPORTED_OPERATION: code = ErrorCode::kUnimplemented; break;
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
    case MBEDTLS_ERR_X509_ALLOC_FAILED:
    case MBEDTLS_ERR_PEM_ALLOC_FAILED: code = ErrorCode::kResourceExhausted; break;
    case MBEDTLS_ERR_RSA_RNG_FAILED:
    case MBEDTLS_ERR_RSA_KEY_GEN_FAILED:
    case MBEDTLS_ERR_RSA_PRIVATE_FAILED:
    case MBEDTLS_ERR_X509_BUFFER_TOO_SMALL:
    case MBEDTLS_ERR_X509_FATAL_ERROR: code = ErrorCode::kInternal; break;
    default:
      // Low-level codes on their own (ASN.1 parse, MPI, DRBG, entropy).
      switch (high == 0 ? ret : low) {
        case MBEDTLS_ERR_ASN1_OUT_OF_DATA:
        case MBEDTLS_ERR_ASN1_UNEXPECTED_TAG:
        case MBEDTLS_ERR_ASN1_INVALID_LENGTH:
        case MBEDTLS_ERR_ASN1_LENGTH_MISMATCH:
        case MBEDTLS_ERR_ASN1_INVALID_DATA: code = ErrorCode::kInvalidArgument; break;
        case MBEDTLS_ERR_ASN1_ALLOC_FAILED:
        case MBEDTLS_ERR_MPI_ALLOC_FAILED: code = ErrorCode::kResourceExhausted; break;
        default: code = ErrorCode::kInternal; break;
      }
      break;
  }
  // An ASN.1 failure under a high-level parse code is malformed input too.
  if (code == ErrorCode::kInternal && high != 0 &&
      (low == MBEDTLS_ERR_ASN1_OUT_OF_DATA || low == MBEDTLS_ERR_ASN1_UNEXPECTED_TAG ||
       low == MBEDTLS_ERR_ASN1_INVALID_LENGTH || low == MBEDTLS_ERR_ASN1_LENGTH_MISMATCH ||
       low == MBEDTLS_ERR_ASN1_INVALID_DATA)) {
    code = ErrorCode::kInvalidArgument;
  }
  return Error(code, message, ErrorDomain::kMbedTls, ret);
}

int DrawRandom(void* p_rng, unsigned char* out, size_t len) {
  auto* source = static_cast<RandomSource*>(p_rng);
  if (source == nullptr) return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
  return source->Fill(std::span<uint8_t>(out, len)) ? 0
                                                    : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

}  // namespace mykey::crypto::internal
