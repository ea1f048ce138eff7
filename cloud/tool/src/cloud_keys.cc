#include "mykey/cloud_tool/cloud_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include "mykey/base/bytes.h"
#include "mykey/crypto/ecdsa.h"

namespace mykey::cloud {

namespace {

Status WriteSecretFile(const std::string& path, std::string_view contents) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, "cannot create the key file", ErrorDomain::kOs, errno);
  }
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      unlink(path.c_str());
      return Fail(ErrorCode::kUnavailable, "cannot write the key file", ErrorDomain::kOs, err);
    }
    written += static_cast<size_t>(n);
  }
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) {
    unlink(path.c_str());
    return Fail(ErrorCode::kUnavailable, "cannot sync the key file", ErrorDomain::kOs, err);
  }
  return Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail(ErrorCode::kUnavailable, "cannot read the key file", ErrorDomain::kOs, errno);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

const char* CloudKeyPurposeName(CloudKeyPurpose purpose) noexcept {
  return purpose == CloudKeyPurpose::kVoucherSigning ? "voucher_signing" : "terminal_session";
}

Result<std::vector<CloudKeyInfo>> EnsureCloudKeys(Store& store, const std::string& keys_dir,
                                                  crypto::RandomSource& random) {
  if (mkdir(keys_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(ErrorCode::kUnavailable, "cannot create the keys directory", ErrorDomain::kOs,
                errno);
  }
  std::vector<CloudKeyInfo> keys;
  for (CloudKeyPurpose purpose :
       {CloudKeyPurpose::kVoucherSigning, CloudKeyPurpose::kTerminalSession}) {
    CloudKeyInfo info{
        purpose, {}, keys_dir + "/" + CloudKeyPurposeName(purpose) + ".key.pem", false};
    std::optional<crypto::EcdsaPublicKey> public_key;
    if (access(info.file.c_str(), F_OK) == 0) {
      MYKEY_ASSIGN_OR_RETURN(std::string pem, ReadFile(info.file));
      auto key = crypto::EcdsaPrivateKey::FromPem(pem);
      SecureWipe(pem.data(), pem.size());
      if (!key) return Fail(ErrorCode::kDataLoss, "a cloud key file does not parse");
      public_key = key->PublicKey();
    } else {
      MYKEY_ASSIGN_OR_RETURN(auto key, crypto::EcdsaPrivateKey::Generate(random));
      std::string pem = key.ToPem();
      const Status written = WriteSecretFile(info.file, pem);
      SecureWipe(pem.data(), pem.size());
      MYKEY_TRY(written);
      public_key = key.PublicKey();
      info.created = true;
    }
    const crypto::EcdsaKeyId id = public_key->KeyId();
    info.key_id_hex = ToHex(id);
    const Bytes point(public_key->point().begin(), public_key->point().end());
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const Status recorded =
        store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          MYKEY_ASSIGN_OR_RETURN(auto current,
                                 tx.QueryRow("SELECT key_id, public_key FROM cloud_keys"
                                             " WHERE purpose = $1 AND retired_at_ms IS NULL",
                                             {CloudKeyPurposeName(purpose)}));
          if (current) {
            if (current->Blob(1) != point) {
              return Fail(ErrorCode::kFailedPrecondition,
                          "the key file does not match the store's key for its purpose");
            }
            return Ok();
          }
          MYKEY_TRY(tx.Execute(
              "INSERT INTO cloud_keys (key_id, purpose, algorithm, public_key, created_at_ms)"
              " VALUES ($1, $2, 'ecdsa-p256', $3, $4)",
              {ByteView(id), CloudKeyPurposeName(purpose), point, now}));
          return Ok();
        });
    MYKEY_TRY(recorded);
    keys.push_back(std::move(info));
  }
  return keys;
}

}  // namespace mykey::cloud
