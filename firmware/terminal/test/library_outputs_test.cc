#include "mykey/terminal/library_outputs.h"

#include <linux/input-event-codes.h>
#include <unistd.h>

#include "mykey/json/json.h"
#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

TEST_CASE("a library number is typed as its digit keys and Enter") {
  auto strokes = KeyStrokesFor("280212", true);
  REQUIRE(strokes.has_value());
  CHECK(*strokes == std::vector<KeyStroke>{{KEY_2, false},
                                           {KEY_8, false},
                                           {KEY_0, false},
                                           {KEY_2, false},
                                           {KEY_1, false},
                                           {KEY_2, false},
                                           {KEY_ENTER, false}});
}

TEST_CASE("capital letters are typed with Shift, small ones without, and '-' on its key") {
  auto strokes = KeyStrokesFor("Ab-9", false);
  REQUIRE(strokes.has_value());
  CHECK(*strokes ==
        std::vector<KeyStroke>{{KEY_A, true}, {KEY_B, false}, {KEY_MINUS, false}, {KEY_9, false}});
}

TEST_CASE("characters whose key differs between layouts are refused") {
  for (const char* text : {"12@3", "a b", "番号", "1_2"}) {
    auto strokes = KeyStrokesFor(text, true);
    REQUIRE_FALSE(strokes.has_value());
    CHECK(strokes.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("the line output writes one number per line") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  LineLibraryOutput output(fds[1]);
  REQUIRE(output.Deliver("280212").has_value());
  REQUIRE(output.Deliver("1003").has_value());
  ::close(fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  CHECK(std::string(buf, static_cast<size_t>(n)) == "280212\n1003\n");
}

// Answers every request with `status`; records the requests.
class RecordingTransport final : public http_client::HttpTransport {
 public:
  int status = 204;
  std::vector<http_client::HttpRequest> requests;

 private:
  Result<http_client::HttpResponse> DoRoundTrip(const http_client::HttpRequest& request) override {
    requests.push_back(request);
    http_client::HttpResponse response;
    response.status = status;
    return response;
  }
};

TEST_CASE("the URL output posts the number as JSON") {
  RecordingTransport transport;
  UrlLibraryOutput output(transport, "http://127.0.0.1:9000/patron", "中央図書館");
  REQUIRE(output.Deliver("280212").has_value());
  REQUIRE(transport.requests.size() == 1);
  CHECK(transport.requests[0].method == "POST");
  CHECK(transport.requests[0].url == "http://127.0.0.1:9000/patron");
  auto body = json::ParseJson(transport.requests[0].body);
  REQUIRE(body.has_value());
  CHECK((*body)["library_number"] == "280212");
  CHECK((*body)["site"] == "中央図書館");
}

TEST_CASE("a library system answering an error status fails the delivery") {
  RecordingTransport transport;
  transport.status = 500;
  UrlLibraryOutput output(transport, "http://127.0.0.1:9000/patron", "");
  auto status = output.Deliver("280212");
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code() == ErrorCode::kUnavailable);
  CHECK(status.error().detail() == 500);
}

TEST_CASE("a uinput device that cannot be opened is a clear start-up error") {
  auto keyboard = UinputKeyboard::Open("/nonexistent/uinput", true);
  REQUIRE_FALSE(keyboard.has_value());
  CHECK(keyboard.error().code() == ErrorCode::kNotFound);
  CHECK(std::string(keyboard.error().message()).find("uinput") != std::string::npos);
}

}  // namespace
}  // namespace mykey::terminal
