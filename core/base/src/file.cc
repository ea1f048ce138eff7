#include "mykey/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace mykey {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status ReplaceFile(const std::string& path, ByteView contents, unsigned mode) {
  const std::string partial = path + ".partial";
  const auto file_mode = static_cast<mode_t>(mode & 07777U);
  const int fd =
      ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, file_mode);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, "cannot create the file's replacement", ErrorDomain::kOs,
                errno);
  }
  auto fail = [&](const char* message) {
    const int saved = errno;
    ::close(fd);
    ::unlink(partial.c_str());
    return Fail(ErrorCode::kUnavailable, message, ErrorDomain::kOs, saved);
  };
  if (::fchmod(fd, file_mode) != 0) return fail("cannot set the file's mode");
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write the file");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot sync the file");
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(partial.c_str());
    return Fail(ErrorCode::kUnavailable, "cannot close the file", ErrorDomain::kOs, saved);
  }
  if (::rename(partial.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(partial.c_str());
    return Fail(ErrorCode::kUnavailable, "cannot rename the file into place", ErrorDomain::kOs,
                saved);
  }
  // The rename is durable once the directory is.
  const int dir = ::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    return Fail(ErrorCode::kUnavailable, "cannot open the file's directory", ErrorDomain::kOs,
                errno);
  }
  const int synced = ::fsync(dir);
  const int saved = errno;
  ::close(dir);
  if (synced != 0) {
    return Fail(ErrorCode::kUnavailable, "cannot sync the file's directory", ErrorDomain::kOs,
                saved);
  }
  return Ok();
}

}  // namespace mykey
