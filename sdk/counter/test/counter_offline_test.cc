// Counter's offline mode (OfflineAuthorizer): the cloud unreachable after the
// PIN, the card signs the offline module's challenge and the redemption goes
// to the module with the MyKey ID learned online for the same card.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mykey/counter/counter.h"
#include "mykey/counter_testing/test_cloud.h"
#include "mykey/crypto/sha256.h"
#include "mykey/crypto/x509.h"
#include "mykey/sim/sim_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::counter {
namespace {

using namespace std::chrono_literals;
using protocol::CardAuthPurpose;

constexpr char kReader[] = "Sim Reader 0";

class Pad final : public PinEntry {
 public:
  jpki::LastTryConfirmation ConfirmLastTry() override {
    return jpki::LastTryConfirmation::kConfirmed;
  }
  Result<jpki::Pin> RequestPin(const PinRequest&) override { return jpki::Pin::AuthPin("1234"); }
};

/// An offline module that keeps what it is told and checks the card's
/// signature over the challenge it made, for the terminal `terminal_id`.
class RecordingAuthorizer final : public OfflineAuthorizer {
 public:
  Result<Bytes> NewChallenge() override {
    challenge = Bytes(32, static_cast<uint8_t>(++challenges));
    return challenge;
  }
  Result<std::optional<std::string>> KnownHolder(ByteView certificate_der) override {
    auto found = known.find(ToHex(crypto::Sha256(certificate_der)));
    if (found == known.end()) return std::optional<std::string>();
    return std::optional<std::string>(found->second);
  }
  void RememberHolder(ByteView certificate_der, std::string_view mykey_id) override {
    known[ToHex(crypto::Sha256(certificate_der))] = std::string(mykey_id);
  }
  Result<cloud_client::Redemption> AuthorizeRedemption(
      const OfflineRedemptionRequest& request) override {
    requests.push_back(request);
    auto certificate = crypto::Certificate::FromDer(request.certificate_der);
    if (!certificate) return Fail(certificate.error());
    auto key = certificate->PublicKey();
    if (!key) return Fail(key.error());
    MYKEY_TRY(key->VerifySha256(
        protocol::CardAuthDigest(request.challenge, terminal_id, CardAuthPurpose::kLogin),
        request.signature));
    if (request.amount > limit) return Fail(ErrorCode::kResourceExhausted, "over the limit");
    cloud_client::Redemption out;
    out.idempotency_key = "mk-offline-" + std::to_string(requests.size());
    out.operation = "offline_redemption";
    out.state = "pending";
    out.mykey_id = request.mykey_id.value_or("");
    out.programme_id = request.programme_id;
    out.amount = request.amount;
    return out;
  }
  std::string RefusalName(const Error& error) override {
    return error.code() == ErrorCode::kResourceExhausted ? "over_operation_limit" : "";
  }

  std::string terminal_id;
  int64_t limit = 1000;
  int challenges = 0;
  Bytes challenge;
  std::map<std::string, std::string> known;
  std::vector<OfflineRedemptionRequest> requests;
};

/// A loopback port nothing listens on.
uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t size = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// One card, the cloud, an online counter and an offline one (its client
/// reaches nothing), sharing one offline module.
struct OfflineDesk {
  testing::TestCloud cloud;
  std::unique_ptr<cloud_client::CloudClient> online_client;
  std::unique_ptr<cloud_client::CloudClient> offline_client;
  hal::SimReaderMonitor monitor;
  std::unique_ptr<jpki::JpkiCardEmulator> card;
  RecordingAuthorizer authorizer;
  std::unique_ptr<Counter> online;
  std::unique_ptr<Counter> offline;

  explicit OfflineDesk(uint32_t card_index) {
    online_client = cloud.EnrolledClient(cloud.Url());
    offline_client = cloud.EnrolledClient("http://127.0.0.1:" + std::to_string(ClosedPort()), 1);
    authorizer.terminal_id = offline_client->terminal_id();
    REQUIRE(monitor.AddReader(kReader));
    card = testing::IssueCard(card_index, 3);
    REQUIRE(monitor.InsertCard(kReader, *card));
    CounterOptions options;
    options.offline = &authorizer;
    online = *Counter::Create(monitor, *online_client, options);
    offline = *Counter::Create(monitor, *offline_client, options);
  }

  Result<HolderSession> Login(Counter& counter, CardAuthPurpose purpose = CardAuthPurpose::kLogin) {
    REQUIRE(counter.WaitForCard(5s));
    Pad pad;
    return counter.Authenticate(purpose, pad);
  }
};

TEST_CASE("Offline, a card seen online here redeems through the offline module with its ID") {
  OfflineDesk desk(41);
  REQUIRE(desk.Login(*desk.online, CardAuthPurpose::kCreateMyKeyId));
  auto mykey_id = desk.online->CreateMyKeyId();
  REQUIRE(mykey_id);
  // A session that returns the ID teaches the offline module the card's ID.
  REQUIRE(desk.Login(*desk.online));
  REQUIRE(desk.authorizer.known.size() == 1);
  desk.online->EndHolderSession();

  auto holder = desk.Login(*desk.offline);
  INFO((holder ? "" : std::string(CounterErrorCodeName(CounterErrorCodeOf(holder.error())))));
  REQUIRE(holder);
  CHECK(holder->level == AuthLevel::kOffline);
  CHECK(holder->mykey_id == *mykey_id);
  CHECK(desk.authorizer.challenges == 1);

  // Cloud calls need a cloud session: refused as unreachable.
  auto balances = desk.offline->Balances();
  REQUIRE_FALSE(balances);
  CHECK(CounterErrorCodeOf(balances.error()) == CounterErrorCode::kCloudUnreachable);

  auto redeemed = desk.offline->Redeem({1, 300, false, ""});
  INFO((redeemed ? "" : redeemed.error().ToString()));
  REQUIRE(redeemed);
  CHECK(redeemed->operation == "offline_redemption");
  CHECK(redeemed->amount == 300);
  REQUIRE(desk.authorizer.requests.size() == 1);
  const OfflineRedemptionRequest& sent = desk.authorizer.requests[0];
  CHECK(sent.mykey_id == *mykey_id);
  CHECK(sent.challenge == desk.authorizer.challenge);
  CHECK_FALSE(sent.certificate_der.empty());

  // The challenge is spent: a second redemption needs a new authentication.
  auto again = desk.offline->Redeem({1, 100, false, ""});
  REQUIRE_FALSE(again);
  CHECK(CounterErrorCodeOf(again.error()) == CounterErrorCode::kNotAuthenticated);
  CHECK(desk.authorizer.requests.size() == 1);

  // A hold is never authorised offline.
  REQUIRE(desk.Login(*desk.offline));
  auto hold = desk.offline->Redeem({1, 100, true, ""});
  REQUIRE_FALSE(hold);
  CHECK(CounterErrorCodeOf(hold.error()) == CounterErrorCode::kCloudUnreachable);
}

TEST_CASE("Offline, a card never seen online here is refused as an unknown holder") {
  OfflineDesk desk(42);
  auto holder = desk.Login(*desk.offline);
  REQUIRE_FALSE(holder);
  CHECK(CounterErrorCodeOf(holder.error()) == CounterErrorCode::kUnknownHolder);
  CHECK_FALSE(desk.offline->holder().has_value());
  CHECK(desk.authorizer.challenges == 0);
  CHECK(desk.authorizer.requests.empty());
}

TEST_CASE("Offline, the module's refusal is typed and named; without a module it is unreachable") {
  OfflineDesk desk(43);
  REQUIRE(desk.Login(*desk.online, CardAuthPurpose::kCreateMyKeyId));
  REQUIRE(desk.online->CreateMyKeyId());
  REQUIRE(desk.Login(*desk.online));
  desk.online->EndHolderSession();

  REQUIRE(desk.Login(*desk.offline));
  auto over = desk.offline->Redeem({1, 5000, false, ""});
  REQUIRE_FALSE(over);
  CHECK(CounterErrorCodeOf(over.error()) == CounterErrorCode::kOfflineRefused);
  CHECK(desk.offline->last_failure().offline_refusal == "over_operation_limit");

  // No offline module: the plain cloud error, after the PIN.
  auto plain = *Counter::Create(desk.monitor, *desk.offline_client, CounterOptions{});
  REQUIRE(plain->WaitForCard(5s));
  Pad pad;
  auto refused = plain->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(refused);
  CHECK(CounterErrorCodeOf(refused.error()) == CounterErrorCode::kCloudUnreachable);
  // Other purposes never go offline.
  desk.offline->EndHolderSession();
  auto link = desk.Login(*desk.offline, CardAuthPurpose::kLinkService);
  REQUIRE_FALSE(link);
  CHECK(CounterErrorCodeOf(link.error()) == CounterErrorCode::kCloudUnreachable);
}

}  // namespace
}  // namespace mykey::counter
