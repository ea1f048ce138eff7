// http_bench: requests per second and latency of GET /healthz (a store round
// trip) over 1, 10, 100 and 1,000 keep-alive connections on loopback.
//
//   http_bench                 # starts the cloud in-process on a temp SQLite store
//   http_bench --port 8080     # measures a running mykey-cloud instead
//   http_bench --seconds 5 --threads 2 --path /healthz --event-loop epoll
//
// One client thread drives every connection with epoll; each connection
// keeps one request outstanding (closed loop). Figures, not assertions.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mykey/api/cloud_api.h"
#include "mykey/base/log.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/http_server/http_server.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::string in;
  Clock::time_point sent;
};

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/// Length of the first complete response in `data`, or 0 if incomplete.
size_t ResponseLength(const std::string& data) {
  const size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string::npos) return 0;
  size_t body = 0;
  const char* key = "Content-Length:";
  for (size_t p = data.find('\n'); p < head_end; p = data.find('\n', p + 1)) {
    if (strncasecmp(data.c_str() + p + 1, key, std::strlen(key)) == 0) {
      const char* v = data.c_str() + p + 1 + std::strlen(key);
      while (*v == ' ') ++v;
      std::from_chars(v, data.c_str() + head_end, body);
      break;
    }
  }
  const size_t total = head_end + 4 + body;
  return data.size() >= total ? total : 0;
}

struct Figures {
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t errors = 0;
};

Figures Measure(uint16_t port, int connections, double seconds, const std::string& path) {
  Figures figures;
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n";
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Connection> conns(static_cast<size_t>(connections));
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = Connect(port);
    if (conns[i].fd < 0) {
      std::fprintf(stderr, "http_bench: connect failed at connection %zu\n", i);
      std::exit(1);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  std::vector<double> latencies_ms;
  latencies_ms.reserve(1 << 20);
  uint64_t done = 0;
  const auto send_one = [&](Connection& c) {
    c.sent = Clock::now();
    if (send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      ++figures.errors;
    }
  };
  // Warm up: one round trip on every connection before the clock starts.
  for (auto& c : conns) send_one(c);
  const auto start = Clock::now();
  bool measuring = false;
  const auto warm_until = start + std::chrono::milliseconds(200);
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  auto measure_start = start;
  std::vector<epoll_event> events(1024);
  char buffer[65536];
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= warm_until) {
      measuring = true;
      measure_start = now;
    }
    if (now >= end) break;
    const int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < n; ++e) {
      Connection& c = conns[events[static_cast<size_t>(e)].data.u64];
      const ssize_t got = recv(c.fd, buffer, sizeof buffer, 0);
      if (got <= 0) {
        ++figures.errors;
        epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
        continue;
      }
      c.in.append(buffer, static_cast<size_t>(got));
      while (const size_t length = ResponseLength(c.in)) {
        if (c.in.compare(0, 12, "HTTP/1.1 200") != 0) ++figures.errors;
        c.in.erase(0, length);
        const auto finished = Clock::now();
        if (measuring) {
          ++done;
          latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(finished - c.sent).count());
        }
        send_one(c);
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - measure_start).count();
  for (auto& c : conns) close(c.fd);
  close(epoll);
  figures.requests_per_second = static_cast<double>(done) / elapsed;
  if (!latencies_ms.empty()) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    figures.p50_ms = latencies_ms[latencies_ms.size() / 2];
    figures.p99_ms = latencies_ms[latencies_ms.size() * 99 / 100];
  }
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  uint16_t port = 0;
  double seconds = 3;
  unsigned threads = 2;
  std::string path = "/healthz";
  bool epoll = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port")
      port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    else if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (flag == "--threads")
      threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (flag == "--path")
      path = argv[i + 1];
    else if (flag == "--event-loop")
      epoll = std::string(argv[i + 1]) == "epoll";
    else {
      std::fprintf(stderr,
                   "usage: http_bench [--port N] [--seconds S] [--threads N] [--path P] "
                   "[--event-loop poll|epoll]\n");
      return 2;
    }
  }
  mykey::log::SetLevel(mykey::log::Level::kWarning);  // no request log while measuring
  std::unique_ptr<mykey::cloud::testing::TempDir> dir;
  std::unique_ptr<mykey::cloud::SqliteStore> store;
  std::unique_ptr<mykey::cloud::RequestLog> request_log;
  std::unique_ptr<mykey::cloud::CloudApi> api;
  std::unique_ptr<mykey::http::HttpServer> server;
  if (port == 0) {
    dir = std::make_unique<mykey::cloud::testing::TempDir>();
    mykey::cloud::SqliteStoreOptions options;
    options.path = dir->File("bench.db");
    options.connections = threads + 2;
    auto opened = mykey::cloud::SqliteStore::Open(options);
    if (!opened || !mykey::cloud::Migrate(**opened, mykey::cloud::CloudMigrations())) {
      std::fprintf(stderr, "http_bench: cannot set up the store\n");
      return 1;
    }
    store = std::move(*opened);
    request_log = std::make_unique<mykey::cloud::RequestLog>([](std::string_view) {});
    api = std::make_unique<mykey::cloud::CloudApi>(*store, *request_log);
    mykey::http::HttpServerOptions server_options;
    server_options.threads = threads;
    server_options.connection_limit = 4096;
    server_options.event_loop =
        epoll ? mykey::http::EventLoop::kEpoll : mykey::http::EventLoop::kPoll;
    auto started = mykey::http::HttpServer::Start(*api, server_options);
    if (!started) {
      std::fprintf(stderr, "http_bench: %s\n", started.error().ToString().c_str());
      return 1;
    }
    server = std::move(*started);
    port = server->port();
    std::printf("in-process mykey cloud: %u server threads (%s), SQLite store, port %u\n", threads,
                epoll ? "epoll" : "poll", static_cast<unsigned>(port));
  }
  std::printf("GET %s, keep-alive, %.1f s per level, one client thread (epoll)\n", path.c_str(),
              seconds);
  std::printf("%12s %14s %10s %10s %8s\n", "connections", "requests/s", "p50 ms", "p99 ms",
              "errors");
  for (int connections : {1, 10, 100, 1000}) {
    const Figures f = Measure(port, connections, seconds, path);
    std::printf("%12d %14.0f %10.3f %10.3f %8llu\n", connections, f.requests_per_second, f.p50_ms,
                f.p99_ms, static_cast<unsigned long long>(f.errors));
    std::fflush(stdout);
  }
  return 0;
}
