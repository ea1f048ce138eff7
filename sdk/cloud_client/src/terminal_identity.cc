#include "mykey/cloud_client/terminal_identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string_view>

#include "mykey/base/file.h"

namespace mykey::cloud_client {
namespace {

Result<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Fail(ErrorCode::kNotFound, "terminal identity file missing");
    return Fail(ErrorCode::kUnavailable, "terminal identity file unreadable", ErrorDomain::kOs,
                errno);
  }
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      return Fail(ErrorCode::kUnavailable, "terminal identity file unreadable", ErrorDomain::kOs,
                  saved);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > 64 * 1024) {
      ::close(fd);
      return Fail(ErrorCode::kInvalidArgument, "terminal identity file too large");
    }
  }
  ::close(fd);
  return text;
}

Status CheckPrivateFile(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return Fail(ErrorCode::kNotFound, "terminal key file missing");
    return Fail(ErrorCode::kUnavailable, "terminal key file cannot be checked", ErrorDomain::kOs,
                errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return Fail(ErrorCode::kPermissionDenied, "terminal key file is not a regular file");
  }
  if (info.st_uid != ::geteuid()) {
    return Fail(ErrorCode::kPermissionDenied, "terminal key file is owned by another user");
  }
  if ((info.st_mode & 077) != 0) {
    return Fail(ErrorCode::kPermissionDenied,
                "terminal key file is readable by others: chmod 600 it");
  }
  return Ok();
}

}  // namespace

Result<TerminalIdentity> LoadTerminalIdentity(const TerminalIdentityFiles& files) {
  MYKEY_TRY(CheckPrivateFile(files.key_path));
  MYKEY_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(files.key_path));
  auto key = crypto::EcdsaPrivateKey::FromPem(pem);
  std::fill(pem.begin(), pem.end(), '\0');
  if (!key) return Fail(ErrorCode::kInvalidArgument, "terminal key file is not a P-256 key");
  MYKEY_ASSIGN_OR_RETURN(std::string id, ReadSmallFile(files.terminal_id_path));
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r' || id.back() == ' ')) {
    id.pop_back();
  }
  if (id.empty()) return Fail(ErrorCode::kInvalidArgument, "terminal id file is empty");
  return TerminalIdentity{std::move(id), std::move(*key)};
}

Status SaveTerminalKey(const TerminalIdentityFiles& files, const crypto::EcdsaPrivateKey& key) {
  std::string pem = key.ToPem();
  Status written = ReplaceFile(files.key_path, std::string_view(pem), 0600);
  std::fill(pem.begin(), pem.end(), '\0');
  return written;
}

Status SaveTerminalId(const TerminalIdentityFiles& files, std::string_view terminal_id) {
  return ReplaceFile(files.terminal_id_path, std::string(terminal_id) + "\n", 0600);
}

Status SaveTerminalIdentity(const TerminalIdentityFiles& files, const TerminalIdentity& identity) {
  MYKEY_TRY(SaveTerminalKey(files, identity.key));
  return SaveTerminalId(files, identity.terminal_id);
}

}  // namespace mykey::cloud_client
