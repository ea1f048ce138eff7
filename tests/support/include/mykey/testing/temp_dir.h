#pragma once

// Test helpers: a temporary directory removed with its contents, and a shell
// command runner. Shared by every test that writes files or runs a tool
// (openssl, mykey-testjpki, ...).

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mykey/base/bytes.h"

namespace mykey::testing {

/// A fresh directory under the system temp dir, removed on destruction.
///
/// Thread safety: not thread-safe.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "mykey-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// The path of `name` inside the directory.
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  /// Writes `bytes` to `name`; returns its path.
  std::string Write(const std::string& name, ByteView bytes) const {
    const std::string file = File(name);
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return file;
  }
  std::string Write(const std::string& name, const std::string& text) const {
    return Write(name, ViewOf(text));
  }
  /// The contents of `name` (empty if absent).
  Bytes Read(const std::string& name) const { return ReadFileBytes(File(name)); }

  static Bytes ReadFileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  ///< -1 if the command could not run or was killed
  std::string output;  ///< stdout and stderr together
};

/// Runs a shell command, capturing stdout and stderr together.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace mykey::testing
