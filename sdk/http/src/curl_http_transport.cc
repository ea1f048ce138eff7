#include "mykey/http_client/curl_http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

namespace mykey::http_client {
namespace {

std::once_flag curl_init_once;
CURLcode curl_init_result = CURLE_OK;

struct Exchange {
  HttpResponse response;
  size_t max_body = 0;
  bool body_too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  if (exchange->response.body.size() + bytes > exchange->max_body) {
    exchange->body_too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  exchange->response.body.append(data, bytes);
  return bytes;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    exchange->response.headers.clear();  // a new answer (after 1xx)
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  exchange->response.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                          std::string(Trim(line.substr(colon + 1))));
  return bytes;
}

// The request body is given through a read callback that cannot rewind once
// a byte has been read. libcurl silently re-sends a request whose reused
// connection died before any answer; for a request that had already reached
// the server (the answer was lost) that would repeat it with the same signed
// nonce. Refusing the rewind turns that case into CURLE_SEND_FAIL_REWIND
// (kAborted: outcome unknown) and leaves the retry to the caller.
struct Upload {
  std::string_view body;
  size_t position = 0;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->body.size() - upload->position);
  std::memcpy(buffer, upload->body.data() + upload->position, n);
  upload->position += n;
  return n;
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* upload = static_cast<Upload*>(user);
  if (offset == 0 && origin == SEEK_SET && upload->position == 0) return CURL_SEEKFUNC_OK;
  return CURL_SEEKFUNC_CANTSEEK;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

Error CurlError(int curl_code) noexcept {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return Error(ErrorCode::kUnavailable, "the server could not be reached", ErrorDomain::kCurl,
                   curl_code);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Error(ErrorCode::kAborted, "the connection broke during the exchange",
                   ErrorDomain::kCurl, curl_code);
    case CURLE_OPERATION_TIMEDOUT:
      return Error(ErrorCode::kDeadlineExceeded, "the exchange timed out", ErrorDomain::kCurl,
                   curl_code);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return Error(ErrorCode::kUnauthenticated, "TLS failed: the server's certificate or handshake",
                   ErrorDomain::kCurl, curl_code);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::kInvalidArgument, "the URL is malformed or its scheme unsupported",
                   ErrorDomain::kCurl, curl_code);
    case CURLE_FILESIZE_EXCEEDED:
      return Error(ErrorCode::kResourceExhausted, "the answer is over the size cap",
                   ErrorDomain::kCurl, curl_code);
    default: return Error(ErrorCode::kInternal, "libcurl failed", ErrorDomain::kCurl, curl_code);
  }
}

struct CurlHttpTransport::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;

  ~Pool() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }
  CURL* Take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        curl_easy_reset(handle);  // keeps the live connections and caches
        return handle;
      }
    }
    return curl_easy_init();
  }
  void Give(CURL* handle, size_t max_idle) {
    {
      std::lock_guard lock(mu);
      if (idle.size() < max_idle) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }
};

Result<std::unique_ptr<CurlHttpTransport>> CurlHttpTransport::Create(CurlHttpOptions options) {
  if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0 ||
      options.max_response_bytes == 0) {
    return Fail(ErrorCode::kInvalidArgument, "timeouts and the body cap must be positive");
  }
  if (!options.ca_file.empty() && !std::ifstream(options.ca_file).good()) {
    return Fail(ErrorCode::kInvalidArgument, "the CA file cannot be read");
  }
  std::call_once(curl_init_once, [] { curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (curl_init_result != CURLE_OK) return Fail(CurlError(curl_init_result));
  return std::unique_ptr<CurlHttpTransport>(new CurlHttpTransport(std::move(options)));
}

CurlHttpTransport::CurlHttpTransport(CurlHttpOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {}

CurlHttpTransport::~CurlHttpTransport() = default;

Result<HttpResponse> CurlHttpTransport::DoRoundTrip(const HttpRequest& request) {
  const std::string_view url = request.url;
  const bool https = url.size() > 8 && EqualsIgnoringCase(url.substr(0, 8), "https://");
  if (!https && !IsLoopbackHttpUrl(url)) {
    return Fail(ErrorCode::kInvalidArgument, "only https, or plain http to loopback");
  }
  CURL* handle = pool_->Take();
  if (handle == nullptr) return Fail(ErrorCode::kInternal, "curl_easy_init failed");

  Upload upload{request.body};
  Exchange exchange;
  exchange.max_body = options_.max_response_bytes;
  curl_slist* raw_list = nullptr;
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    curl_slist* next = curl_slist_append(raw_list, line.c_str());
    if (next == nullptr) {
      curl_slist_free_all(raw_list);
      pool_->Give(handle, options_.max_idle_handles);
      return Fail(ErrorCode::kInternal, "curl_slist_append failed");
    }
    raw_list = next;
  }
  // No "Expect: 100-continue" round trip for bodies.
  raw_list = curl_slist_append(raw_list, "Expect:");
  std::unique_ptr<curl_slist, SlistDeleter> header_list(raw_list);

  CURLcode setup = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (setup == CURLE_OK) setup = curl_easy_setopt(handle, option, value);
  };
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) set(CURLOPT_CAINFO, options_.ca_file.c_str());
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_response_bytes));
  set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_READFUNCTION, &OnRead);
    set(CURLOPT_READDATA, &upload);
    set(CURLOPT_SEEKFUNCTION, &OnSeek);
    set(CURLOPT_SEEKDATA, &upload);
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  set(CURLOPT_HTTPHEADER, header_list.get());
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, &exchange);
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, &exchange);

  CURLcode code = setup;
  if (code == CURLE_OK) code = curl_easy_perform(handle);
  long status = 0;
  if (code == CURLE_OK) code = curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  // Drop the pointers into this call's stack before the handle goes back.
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  pool_->Give(handle, options_.max_idle_handles);

  if (exchange.body_too_large) {
    return Fail(CurlError(CURLE_FILESIZE_EXCEEDED));
  }
  if (code != CURLE_OK) return Fail(CurlError(code));
  exchange.response.status = static_cast<int>(status);
  return std::move(exchange.response);
}

}  // namespace mykey::http_client
