#pragma once

// Test support for the registry's tests: a deterministic test JPKI (three CA
// generations with one DN), cards issued from it, a clock the tests move, a
// real SQLite store in a temporary directory, and a card that signs the
// CardAuthDigest as the real one does (SIGN of the DigestInfo with its
// user-authentication key).

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mykey/crypto/rsa.h"
#include "mykey/protocol/card_auth.h"
#include "mykey/registry/registry.h"
#include "mykey/registry/schema.h"
#include "mykey/store/migrations.h"
#include "mykey/store_testing/scratch_store.h"
#include "mykey/testing/catch.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey::cloud::testing {

using namespace std::chrono;

/// "Today" of the tests: every CA generation (2015, 2019, 2023) is valid.
inline sys_days Today() {
  return sys_days(year_month_day(year(2024), month(6), day(1)));
}

/// The test JPKI, made once per test program.
inline const testjpki::TestPki& Pki() {
  static testjpki::TestPki pki = std::move(*testjpki::TestPki::Create("registry-test-seed"));
  return pki;
}

/// A card as the tests use it: its certificates and the key its SIGN uses.
struct TestCard {
  crypto::Certificate certificate;       ///< user-authentication certificate
  crypto::Certificate sign_certificate;  ///< the other hierarchy's certificate
  std::shared_ptr<crypto::RsaPrivateKey> key;
  std::shared_ptr<crypto::RsaPrivateKey> sign_key;

  /// What the card answers to SIGN with the DigestInfo of CardAuthDigest().
  Bytes Sign(ByteView challenge, std::string_view terminal_id,
             protocol::CardAuthPurpose purpose) const {
    auto signature =
        key->SignDigestInfo(protocol::CardAuthDigestInfo(challenge, terminal_id, purpose));
    REQUIRE(signature);
    return *signature;
  }
};

/// What a card is issued with; cards are cached by these fields (RSA key
/// generation is the slow part).
struct CardSpec {
  uint32_t index = 0;
  int generation = 0;
  testjpki::CardValidity validity = testjpki::CardValidity::kNormal;
  int issued_days_ago = 0;  ///< a renewed card: issued later, same holder index
  auto operator<=>(const CardSpec&) const = default;
};

inline TestCard IssueCard(const testjpki::TestPki& pki, const CardSpec& spec) {
  testjpki::CardOptions options;
  options.index = spec.index;
  options.generation = spec.generation;
  options.now = Today();
  options.validity = spec.validity;
  if (spec.issued_days_ago != 0) options.issued = Today() - days(spec.issued_days_ago);
  auto card = pki.IssueCard(options);
  REQUIRE(card);
  auto key = crypto::RsaPrivateKey::FromDer(card->personalisation.auth_private_key.view());
  REQUIRE(key);
  auto sign_key = crypto::RsaPrivateKey::FromDer(card->personalisation.sign_private_key.view());
  REQUIRE(sign_key);
  return TestCard{card->auth_certificate, card->sign_certificate,
                  std::make_shared<crypto::RsaPrivateKey>(std::move(*key)),
                  std::make_shared<crypto::RsaPrivateKey>(std::move(*sign_key))};
}

/// A card of the shared test JPKI.
inline const TestCard& Card(const CardSpec& spec) {
  static std::mutex mu;
  static std::map<CardSpec, TestCard> cards;
  std::lock_guard lock(mu);
  auto it = cards.find(spec);
  if (it == cards.end()) it = cards.emplace(spec, IssueCard(Pki(), spec)).first;
  return it->second;
}
inline const TestCard& Card(uint32_t index) {
  return Card(CardSpec{index});
}

/// A clock that moves only when told.
class TestClock {
 public:
  TestClock()
      : now_ms_(duration_cast<milliseconds>(Today().time_since_epoch()).count() + 3 * 3600 * 1000) {
  }
  system_clock::time_point Now() const {
    return system_clock::time_point(milliseconds(now_ms_.load()));
  }
  void Advance(milliseconds by) { now_ms_ += by.count(); }

 private:
  std::atomic<int64_t> now_ms_;
};

/// DER of every auth CA generation of `pki`.
inline std::vector<Bytes> AuthAnchors(const testjpki::TestPki& pki) {
  std::vector<Bytes> out;
  for (const crypto::Certificate& ca : pki.CaCertificates(testjpki::CaKind::kAuth)) {
    out.emplace_back(ca.der().begin(), ca.der().end());
  }
  return out;
}

/// A fresh, empty store of `Backend` (SqliteBackend or PostgresBackend).
template <typename Backend>
std::unique_ptr<ScratchStore> FreshStore(unsigned connections = 4) {
  auto scratch = Backend::Make(connections);
  if (!scratch) FAIL(std::string(Backend::kName) + ": " + scratch.error().ToString());
  return std::move(*scratch);
}

/// A test case run once on each store backend (names end in " - SqliteBackend"
/// and " - PostgresBackend"); `TestType` is the backend, for FreshStore().
#define MYKEY_REGISTRY_TEST(name)                                                \
  TEMPLATE_TEST_CASE(name, "[registry]", ::mykey::cloud::testing::SqliteBackend, \
                     ::mykey::cloud::testing::PostgresBackend)

/// A migrated store: SQLite in a temporary directory, or the one given.
struct TestStore {
  std::unique_ptr<ScratchStore> scratch;
  Store* store = nullptr;

  TestStore() : TestStore(FreshStore<SqliteBackend>()) {}
  explicit TestStore(std::unique_ptr<ScratchStore> fresh)
      : scratch(std::move(fresh)), store(&scratch->store()) {
    REQUIRE(Migrate(*store, CloudMigrations()));
    REQUIRE(Migrate(*store, kRegistrySchema, RegistryMigrations()));
  }
};

/// A registry over a fresh store, trusting `anchors` (default: every auth CA
/// generation of the shared test JPKI), on a test clock.
struct RegistryWorld {
  TestStore test_store;
  TestClock clock;
  std::unique_ptr<RegistryService> registry;

  /// On SQLite.
  explicit RegistryWorld(std::vector<Bytes> anchors = AuthAnchors(Pki()))
      : RegistryWorld(FreshStore<SqliteBackend>(), std::move(anchors)) {}

  /// On the store `fresh` (see FreshStore()).
  /// `on_change`: RegistryConfig::on_mykey_id_change (what else moves with an ID).
  explicit RegistryWorld(std::unique_ptr<ScratchStore> fresh,
                         std::vector<Bytes> anchors = AuthAnchors(Pki()),
                         decltype(RegistryConfig::on_mykey_id_change) on_change = {})
      : test_store(std::move(fresh)) {
    RegistryConfig config;
    config.auth_ca_certificates = std::move(anchors);
    config.on_mykey_id_change = std::move(on_change);
    config.clock = [this] { return clock.Now(); };
    auto created = RegistryService::Create(*test_store.store, std::move(config));
    REQUIRE(created);
    registry = std::move(*created);
  }

  Store& store() { return *test_store.store; }

  /// Authenticates `card` at `terminal` for `purpose`: challenge, SIGN, session.
  Result<CardSession> Authenticate(const TestCard& card, std::string_view terminal,
                                   protocol::CardAuthPurpose purpose) {
    auto challenge = registry->IssueChallenge(terminal);
    REQUIRE(challenge);
    CardAuthentication authentication;
    authentication.challenge_id = challenge->id;
    authentication.certificate.assign(card.certificate.der().begin(), card.certificate.der().end());
    authentication.signature = card.Sign(challenge->challenge, terminal, purpose);
    authentication.purpose = purpose;
    return registry->OpenSession(terminal, authentication);
  }

  /// A session that must open.
  CardSession Session(const TestCard& card, std::string_view terminal,
                      protocol::CardAuthPurpose purpose) {
    auto session = Authenticate(card, terminal, purpose);
    REQUIRE(session);
    return *session;
  }

  /// Gives `card` a MyKey ID (chosen, or random).
  std::string GiveMyKeyId(const TestCard& card, std::optional<std::string> chosen = std::nullopt) {
    const CardSession session = Session(card, "kiosk-1", protocol::CardAuthPurpose::kCreateMyKeyId);
    auto id = registry->CreateMyKeyId({"kiosk-1", session.token}, std::move(chosen));
    REQUIRE(id);
    return *id;
  }
};

/// The refusal of a failed result (nullopt if it succeeded or failed otherwise).
template <typename T>
std::optional<RegistryRefusal> RefusalOfResult(const Result<T>& result) {
  if (result) return std::nullopt;
  return RefusalOf(result.error());
}

}  // namespace mykey::cloud::testing
