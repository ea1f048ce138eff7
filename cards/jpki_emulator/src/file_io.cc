#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace mykey::jpki::internal {
namespace {

Error OsError(int err, const char* message) {
  ErrorCode code = ErrorCode::kUnavailable;
  if (err == ENOENT) code = ErrorCode::kNotFound;
  if (err == EACCES || err == EPERM) code = ErrorCode::kPermissionDenied;
  return Error(code, message, ErrorDomain::kOs, err);
}

// Closes a descriptor when leaving scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now and reports the error (a failed close can mean lost data).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

}  // namespace

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Fail(OsError(errno, "cannot open file"));
  std::string data;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(OsError(errno, "cannot read file"));
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

Status WriteFileAtomically(const std::string& path, std::string_view data, unsigned mode) {
  std::string tmp_template = path + ".tmp.XXXXXX";
  int raw_fd = ::mkostemp(tmp_template.data(), O_CLOEXEC);
  if (raw_fd < 0) return Fail(OsError(errno, "cannot create temporary file"));
  FileDescriptor fd(raw_fd);
  const std::string& tmp = tmp_template;
  auto fail = [&](const char* message) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Fail(OsError(err, message));
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return fail("cannot set file mode");
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write file");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot sync file");
  if (fd.Close() != 0) return fail("cannot close file");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename file into place");
  // The rename itself is durable only once the directory is synced.
  FileDescriptor dir(::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  return Ok();
}

}  // namespace mykey::jpki::internal
