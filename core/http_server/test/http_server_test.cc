// The HTTP server adapter against a raw-socket client on 127.0.0.1.
#include "mykey/http_server/http_server.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mykey/base/log.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/testing/catch.h"

namespace mykey::http {
namespace {

using testing::RawHttpClient;
using testing::RawResponse;

/// Echoes what it was given; counts calls; can hold requests to "/hold"
/// until released.
class EchoHandler final : public HttpHandler {
 public:
  std::atomic<int> handled{0};
  std::atomic<int> rejected{0};

  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  void WaitUntilHeld() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return held_; });
  }

 private:
  HttpResponse DoHandle(const HttpRequest& request) override {
    ++handled;
    if (request.path == "/hold") {
      std::unique_lock lock(mu_);
      held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    std::string body = request.method + " " + request.path;
    for (const auto& [k, v] : request.query) body += " q:" + k + "=" + v;
    if (auto token = request.headers.Get("X-Token")) body += " token:" + std::string(*token);
    body += " body:" + std::to_string(request.body.size());
    body += " remote:" + request.remote_address;
    return HttpResponse::WithBody(200, "text/plain", body);
  }
  HttpResponse DoReject(const HttpRequest& request, RejectReason reason) override {
    ++rejected;
    return HttpResponse::WithBody(
        reason == RejectReason::kBodyTooLarge ? 413 : 500, "text/plain",
        "rejected " + request.path + " body:" + std::to_string(request.body.size()));
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  bool released_ = false;
};

HttpServerOptions LoopbackOptions() {
  HttpServerOptions options;
  options.listen_address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.max_body_bytes = 1000;
  return options;
}

TEST_CASE("One keep-alive connection carries several requests") {
  EchoHandler handler;
  auto server = HttpServer::Start(handler, LoopbackOptions());
  REQUIRE(server);
  REQUIRE((*server)->port() != 0);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  for (int i = 0; i < 3; ++i) {
    auto response = client->RoundTrip("GET", "/ping?n=" + std::to_string(i));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body.starts_with("GET /ping q:n=" + std::to_string(i)));
    CHECK_FALSE(response->headers.Get("Connection") == "close");
  }
  CHECK(handler.handled == 3);
  CHECK((*server)->stats().open_connections == 1);
  CHECK((*server)->stats().requests_started == 3);
}

TEST_CASE("The epoll event loop serves keep-alive requests too") {
  EchoHandler handler;
  HttpServerOptions options = LoopbackOptions();
  options.event_loop = EventLoop::kEpoll;
  auto server = HttpServer::Start(handler, options);
  REQUIRE(server);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  for (int i = 0; i < 3; ++i) {
    auto response = client->RoundTrip("GET", "/e");
    REQUIRE(response);
    CHECK(response->status == 200);
  }
  CHECK((*server)->stats().open_connections == 1);
}

TEST_CASE("The handler sees method, decoded path, query, headers in any case, body and peer") {
  EchoHandler handler;
  auto server = HttpServer::Start(handler, LoopbackOptions());
  REQUIRE(server);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  auto response = client->RoundTrip("POST", "/a%20b?x=1&y", "hello", {{"x-TOKEN", "t1"}});
  REQUIRE(response);
  CHECK(response->body == "POST /a b q:x=1 q:y= token:t1 body:5 remote:127.0.0.1");
}

TEST_CASE("A body declared larger than the limit gets 413 before it is sent") {
  EchoHandler handler;
  auto server = HttpServer::Start(handler, LoopbackOptions());
  REQUIRE(server);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  // Only the headers: the answer must come without the server waiting for
  // the 5000 bytes.
  REQUIRE(client->Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  auto response = client->ReadResponse();
  REQUIRE(response);
  CHECK(response->status == 413);
  CHECK(response->body == "rejected /upload body:0");
  CHECK(response->headers.Get("Connection") == "close");
  CHECK(client->WaitForClose());
  CHECK(handler.handled == 0);
  CHECK(handler.rejected == 1);
}

TEST_CASE("A chunked body over the limit is discarded and answered 413") {
  EchoHandler handler;
  auto server = HttpServer::Start(handler, LoopbackOptions());
  REQUIRE(server);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  std::string request = "POST /chunks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) request += "190\r\n" + std::string(400, 'a') + "\r\n";
  request += "0\r\n\r\n";
  REQUIRE(client->Send(request));
  auto response = client->ReadResponse();
  REQUIRE(response);
  CHECK(response->status == 413);
  CHECK(handler.handled == 0);
  CHECK((*server)->stats().requests_rejected == 1);
}

TEST_CASE("A body exactly at the limit is accepted") {
  EchoHandler handler;
  auto server = HttpServer::Start(handler, LoopbackOptions());
  REQUIRE(server);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  auto response = client->RoundTrip("PUT", "/full", std::string(1000, 'b'));
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body.find("body:1000") != std::string::npos);
}

TEST_CASE("Plain HTTP off loopback is refused unless explicitly allowed") {
  EchoHandler handler;
  HttpServerOptions options = LoopbackOptions();
  options.listen_address = "0.0.0.0";
  auto refused = HttpServer::Start(handler, options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kFailedPrecondition);
  options.allow_plain_http_off_loopback = true;
  auto allowed = HttpServer::Start(handler, options);
  REQUIRE(allowed);
  auto client = RawHttpClient::Connect((*allowed)->port());
  REQUIRE(client);
  CHECK(client->RoundTrip("GET", "/")->status == 200);
}

TEST_CASE("Bad options are refused with a specific error") {
  EchoHandler handler;
  HttpServerOptions options = LoopbackOptions();
  options.listen_address = "localhost";
  CHECK(HttpServer::Start(handler, options).error().code() == ErrorCode::kInvalidArgument);
  options = LoopbackOptions();
  options.threads = 0;
  CHECK(HttpServer::Start(handler, options).error().code() == ErrorCode::kInvalidArgument);
  options = LoopbackOptions();
  options.tls_certificate_file = "/nonexistent/cert.pem";
  CHECK(HttpServer::Start(handler, options).error().code() == ErrorCode::kInvalidArgument);
  options.tls_private_key_file = "/nonexistent/key.pem";
  CHECK(HttpServer::Start(handler, options).error().code() == ErrorCode::kNotFound);
}

TEST_CASE("A port in use is reported as unavailable") {
  EchoHandler handler;
  auto first = HttpServer::Start(handler, LoopbackOptions());
  REQUIRE(first);
  HttpServerOptions options = LoopbackOptions();
  options.port = (*first)->port();
  auto second = HttpServer::Start(handler, options);
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("Shutdown stops accepting, then finishes the request in flight") {
  EchoHandler handler;
  auto server = HttpServer::Start(handler, LoopbackOptions());
  REQUIRE(server);
  const uint16_t port = (*server)->port();
  auto client = RawHttpClient::Connect(port);
  REQUIRE(client);
  REQUIRE(client->Send(testing::FormatRequest("GET", "/hold")));
  handler.WaitUntilHeld();

  Status shutdown_status = Ok();
  std::thread stopper([&] { shutdown_status = (*server)->Shutdown(); });
  // New connections are refused once the listener is closed.
  for (;;) {
    auto late = RawHttpClient::Connect(port);
    if (!late) break;
  }
  handler.Release();
  auto response = client->ReadResponse();
  stopper.join();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->headers.Get("Connection") == "close");
  CHECK(shutdown_status.has_value());
  CHECK((*server)->stats().requests_in_flight == 0);
}

TEST_CASE("Shutdown reports requests still in flight when the grace period ends") {
  EchoHandler handler;
  HttpServerOptions options = LoopbackOptions();
  options.shutdown_grace = std::chrono::milliseconds(0);
  auto server = HttpServer::Start(handler, options);
  REQUIRE(server);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  REQUIRE(client->Send(testing::FormatRequest("GET", "/hold")));
  handler.WaitUntilHeld();
  // The server logs the end of the grace period before it joins its
  // workers; the held handler is released at that moment.
  log::SetSink([&](log::Level, std::string_view, std::string_view message) {
    if (message.find("grace") != std::string_view::npos) handler.Release();
  });
  const Status status = (*server)->Shutdown();
  log::SetSink(nullptr);
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kDeadlineExceeded);
}

TEST_CASE("A thousand concurrent keep-alive connections are all held open and all answered") {
  constexpr int kConnections = 1000;
  EchoHandler handler;
  HttpServerOptions options = LoopbackOptions();
  options.connection_limit = 2 * kConnections;
  auto server = HttpServer::Start(handler, options);
  REQUIRE(server);
  std::vector<RawHttpClient> clients;
  clients.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    auto client = RawHttpClient::Connect((*server)->port());
    REQUIRE(client);
    clients.push_back(std::move(*client));
  }
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kConnections; ++i) {
      REQUIRE(clients[static_cast<size_t>(i)].Send(
          testing::FormatRequest("GET", "/c" + std::to_string(i))));
    }
    int answered = 0;
    std::string first_problem;
    for (int i = 0; i < kConnections; ++i) {
      auto response = clients[static_cast<size_t>(i)].ReadResponse();
      if (response && response->status == 200 &&
          response->body.starts_with("GET /c" + std::to_string(i) + " ")) {
        ++answered;
      } else if (first_problem.empty()) {
        first_problem = "round " + std::to_string(round) + " connection " + std::to_string(i) +
                        ": " +
                        (response ? std::to_string(response->status) + " " + response->body
                                  : response.error().ToString());
      }
    }
    INFO(first_problem);
    CHECK(answered == kConnections);
    // Every connection is still open at the server: they are all concurrent.
    CHECK((*server)->stats().open_connections == static_cast<unsigned>(kConnections));
  }
  CHECK(handler.handled == 2 * kConnections);
}

}  // namespace
}  // namespace mykey::http
