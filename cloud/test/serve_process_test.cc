// The mykey-cloud binary: init, serve on an ephemeral port, SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/testing/catch.h"

#ifdef MYKEY_CLOUD_BINARY

namespace mykey::cloud {
namespace {

/// Runs the binary with stdout on a pipe. @returns the pid.
pid_t Spawn(const std::vector<std::string>& args, int& stdout_fd) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    std::string binary = MYKEY_CLOUD_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& arg : copy) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  stdout_fd = fds[0];
  return pid;
}

int ExitStatus(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ReadLine(int fd) {
  std::string line;
  char c = 0;
  while (read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

TEST_CASE("mykey-cloud serves on the port it prints and exits 0 on SIGTERM") {
  testing::TempDir dir;
  const std::string store = dir.File("cloud.db");
  int out = -1;
  pid_t init = Spawn({"init", "--store", store}, out);
  CHECK(ReadLine(out).starts_with("store "));
  while (!ReadLine(out).empty()) {
  }
  close(out);
  REQUIRE(ExitStatus(init) == 0);

  const pid_t serve =
      Spawn({"serve", "--store", store, "--listen", "127.0.0.1:0", "--log-level", "info"}, out);
  const std::string line = ReadLine(out);
  REQUIRE(line.starts_with("listening on 127.0.0.1:"));
  const auto port = static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  auto client = http::testing::RawHttpClient::Connect(port);
  REQUIRE(client);
  auto response = client->RoundTrip("GET", "/healthz");
  REQUIRE(response);
  CHECK(response->status == 200);
  // The request log line follows on stdout.
  const std::string log_line = ReadLine(out);
  CHECK(log_line.find("\"route\":\"/healthz\"") != std::string::npos);
  REQUIRE(kill(serve, SIGTERM) == 0);
  CHECK(ExitStatus(serve) == 0);
  close(out);
}

TEST_CASE("mykey-cloud serve refuses a store that was never initialised") {
  testing::TempDir dir;
  int out = -1;
  const pid_t serve = Spawn({"serve", "--store", dir.File("none.db")}, out);
  CHECK(ReadLine(out).empty());  // nothing on stdout: it never listened
  close(out);
  CHECK(ExitStatus(serve) == 3);
}

}  // namespace
}  // namespace mykey::cloud

#endif  // MYKEY_CLOUD_BINARY
