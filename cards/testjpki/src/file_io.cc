#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace mykey::testjpki::internal {

namespace {

Error OsError(int err, const char* message) {
  ErrorCode code = ErrorCode::kUnavailable;
  if (err == ENOENT) code = ErrorCode::kNotFound;
  if (err == EACCES || err == EPERM) code = ErrorCode::kPermissionDenied;
  return Error(code, message, ErrorDomain::kOs, err);
}

}  // namespace

Result<Bytes> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(OsError(errno, "cannot open file"));
  Bytes out;
  uint8_t buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Fail(OsError(err, "cannot read file"));
    }
    if (n == 0) break;
    out.insert(out.end(), buffer, buffer + n);
  }
  ::close(fd);
  return out;
}

Status WriteFile(const std::string& path, ByteView data, unsigned mode) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return Fail(OsError(errno, "cannot create file"));
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(OsError(err, "cannot set file mode"));
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Fail(OsError(err, "cannot write file"));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return Fail(OsError(errno, "cannot close file"));
  return Ok();
}

Status MakeDirectory(const std::string& path, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Fail(OsError(ec.value(), "cannot create directory"));
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    return Fail(OsError(errno, "cannot set directory mode"));
  }
  return Ok();
}

}  // namespace mykey::testjpki::internal
