// RegistryService over each real store (SQLite, PostgreSQL), with
// certificates, signatures and CRLs from the test JPKI.
#include "mykey/registry/registry.h"

#include "mykey/crypto/crl.h"
#include "mykey/registry/mykey_id.h"
#include "mykey/registry/schema.h"
#include "mykey/testing/catch.h"
#include "registry_world.h"

namespace mykey::cloud {
namespace {

using protocol::CardAuthPurpose;
using testing::Card;
using testing::CardSpec;
using testing::FreshStore;
using testing::Pki;
using testing::RefusalOfResult;
using testing::RegistryWorld;
using testjpki::CaKind;
using testjpki::CardValidity;

constexpr std::string_view kShop = "shop-a1-terminal";
constexpr std::string_view kLibrary = "library-terminal";
constexpr std::string_view kKiosk = "kiosk-1";

CardAuthentication AuthenticationFor(const testing::TestCard& card, const CardChallenge& challenge,
                                     std::string_view terminal, CardAuthPurpose purpose) {
  CardAuthentication out;
  out.challenge_id = challenge.id;
  out.certificate.assign(card.certificate.der().begin(), card.certificate.der().end());
  out.signature = card.Sign(challenge.challenge, terminal, purpose);
  out.purpose = purpose;
  return out;
}

Bytes CrlListing(std::vector<Bytes> serials, int generation = 0, int days_ago = 0) {
  testjpki::CrlOptions options;
  options.kind = CaKind::kAuth;
  options.generation = generation;
  options.this_update = std::chrono::sys_seconds(testing::Today() - std::chrono::days(days_ago));
  options.serials = std::move(serials);
  auto crl = Pki().MakeCrl(options);
  REQUIRE(crl);
  return *crl;
}

/// Rows of every registry table, to prove lookups leave no trace.
std::vector<int64_t> RowCounts(Store& store) {
  std::vector<int64_t> counts;
  REQUIRE(store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    counts.clear();
    for (const char* table :
         {"registry_challenges", "registry_sessions", "registry_holders", "registry_renewal_links",
          "registry_service_links", "registry_stop_list", "registry_revoked_serials",
          "registry_stop_events", "registry_crl_imports"}) {
      MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow(std::string("SELECT count(*) FROM ") + table));
      counts.push_back(row ? row->Int(0) : -1);
    }
    return Ok();
  }));
  return counts;
}

// --- migrations -------------------------------------------------------------

MYKEY_REGISTRY_TEST("the registry migrates its own schema component, idempotently") {
  testing::TestStore store(FreshStore<TestType>());
  CHECK(SchemaVersion(*store.store, kRegistrySchema).value() == 1);
  auto again = Migrate(*store.store, kRegistrySchema, RegistryMigrations());
  REQUIRE(again);
  CHECK(again->applied == 0);
  CHECK(SchemaVersion(*store.store).value() == CloudSchemaVersion());
}

MYKEY_REGISTRY_TEST(
    "the registry refuses a configuration without CA certificates or with a non-CA") {
  testing::TestStore store(FreshStore<TestType>());
  CHECK(RegistryService::Create(*store.store, RegistryConfig{}).error().code() ==
        ErrorCode::kInvalidArgument);
  RegistryConfig config;
  const crypto::Certificate& user = Card(0).certificate;
  config.auth_ca_certificates.emplace_back(user.der().begin(), user.der().end());
  CHECK(RegistryService::Create(*store.store, config).error().code() ==
        ErrorCode::kInvalidArgument);
  config.auth_ca_certificates = {BytesOf("not DER")};
  CHECK(RegistryService::Create(*store.store, config).error().code() ==
        ErrorCode::kInvalidArgument);
}

// --- challenges and card sessions --------------------------------------------

MYKEY_REGISTRY_TEST("cards of each of the three CA generations sharing one DN open a session") {
  RegistryWorld world(FreshStore<TestType>());
  for (int generation : {2015, 2019, 2023}) {
    const testing::TestCard& card = Card(CardSpec{10, generation});
    CHECK(card.certificate.issuer() == card.certificate.issuer());
    auto session = world.Authenticate(card, kShop, CardAuthPurpose::kLogin);
    REQUIRE(session);
    CHECK(session->token.size() == 64);
    CHECK(session->expires_at_ms == world.registry->NowMs() + 300'000);
    CHECK_FALSE(session->mykey_id);
    CHECK(session->serial_hex == card.certificate.SerialHex());
  }
}

MYKEY_REGISTRY_TEST(
    "a registry trusting only the 2023 CA refuses a 2015 card despite the same issuer DN") {
  auto only_2023 = Pki().Ca(CaKind::kAuth, 2023);
  REQUIRE(only_2023);
  const ByteView der = (*only_2023)->certificate.der();
  RegistryWorld world(FreshStore<TestType>(), {Bytes(der.begin(), der.end())});
  const testing::TestCard& old_card = Card(CardSpec{10, 2015});
  REQUIRE(old_card.certificate.issuer() == (*only_2023)->certificate.subject());
  CHECK(RefusalOfResult(world.Authenticate(old_card, kShop, CardAuthPurpose::kLogin)) ==
        RegistryRefusal::kCertificateUntrusted);
  CHECK(world.Authenticate(Card(CardSpec{10, 2023}), kShop, CardAuthPurpose::kLogin));
}

MYKEY_REGISTRY_TEST("a card of another JPKI with the same DNs is untrusted") {
  auto other = testjpki::TestPki::Create("an impostor's seed", {2023});
  REQUIRE(other);
  const testing::TestCard impostor = testing::IssueCard(*other, CardSpec{1});
  REQUIRE(impostor.certificate.issuer() == Card(1).certificate.issuer());
  RegistryWorld world(FreshStore<TestType>());
  CHECK(RefusalOfResult(world.Authenticate(impostor, kShop, CardAuthPurpose::kLogin)) ==
        RegistryRefusal::kCertificateUntrusted);
}

MYKEY_REGISTRY_TEST(
    "a certificate of the digital-signature hierarchy is untrusted for authentication") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(1);
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  CardAuthentication authentication;
  authentication.challenge_id = challenge->id;
  authentication.certificate.assign(card.sign_certificate.der().begin(),
                                    card.sign_certificate.der().end());
  auto signature = card.sign_key->SignDigestInfo(
      protocol::CardAuthDigestInfo(challenge->challenge, kShop, CardAuthPurpose::kLogin));
  REQUIRE(signature);
  authentication.signature = *signature;
  CHECK(RefusalOfResult(world.registry->OpenSession(kShop, authentication)) ==
        RegistryRefusal::kCertificateUntrusted);
}

MYKEY_REGISTRY_TEST("a CA certificate presented as a card certificate is untrusted") {
  RegistryWorld world(FreshStore<TestType>());
  auto ca = Pki().Ca(CaKind::kAuth, 2023);
  REQUIRE(ca);
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  CardAuthentication authentication;
  authentication.challenge_id = challenge->id;
  authentication.certificate.assign((*ca)->certificate.der().begin(),
                                    (*ca)->certificate.der().end());
  auto signature = (*ca)->key.SignDigestInfo(
      protocol::CardAuthDigestInfo(challenge->challenge, kShop, CardAuthPurpose::kLogin));
  REQUIRE(signature);
  authentication.signature = *signature;
  CHECK(RefusalOfResult(world.registry->OpenSession(kShop, authentication)) ==
        RegistryRefusal::kCertificateUntrusted);
}

MYKEY_REGISTRY_TEST("an expired or not yet valid certificate is refused as such") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& expired = Card(CardSpec{2, 0, CardValidity::kExpired});
  CHECK(RefusalOfResult(world.Authenticate(expired, kShop, CardAuthPurpose::kLogin)) ==
        RegistryRefusal::kCertificateExpired);
  const testing::TestCard& future = Card(CardSpec{2, 0, CardValidity::kNotYetValid});
  CHECK(RefusalOfResult(world.Authenticate(future, kShop, CardAuthPurpose::kLogin)) ==
        RegistryRefusal::kCertificateNotYetValid);
}

MYKEY_REGISTRY_TEST("a wrong signature is unauthenticated and uses up the challenge") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(1);
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  CardAuthentication authentication =
      AuthenticationFor(card, *challenge, kShop, CardAuthPurpose::kLogin);
  authentication.signature.back() ^= 0x01;
  auto refused = world.registry->OpenSession(kShop, authentication);
  CHECK(RefusalOfResult(refused) == RegistryRefusal::kSignatureInvalid);
  CHECK(refused.error().code() == ErrorCode::kUnauthenticated);
  // The right signature now comes too late: one attempt per challenge.
  authentication = AuthenticationFor(card, *challenge, kShop, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->OpenSession(kShop, authentication)) ==
        RegistryRefusal::kChallengeUsed);
}

MYKEY_REGISTRY_TEST("a signature made for another purpose or terminal does not verify") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(1);
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  // Signed for login, presented as a link-service session.
  CardAuthentication authentication =
      AuthenticationFor(card, *challenge, kShop, CardAuthPurpose::kLogin);
  authentication.purpose = CardAuthPurpose::kLinkService;
  CHECK(RefusalOfResult(world.registry->OpenSession(kShop, authentication)) ==
        RegistryRefusal::kSignatureInvalid);
  // Signed for another terminal.
  challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  authentication = AuthenticationFor(card, *challenge, kLibrary, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->OpenSession(kShop, authentication)) ==
        RegistryRefusal::kSignatureInvalid);
}

MYKEY_REGISTRY_TEST("a replayed challenge is refused as used") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(1);
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  const CardAuthentication authentication =
      AuthenticationFor(card, *challenge, kShop, CardAuthPurpose::kLogin);
  REQUIRE(world.registry->OpenSession(kShop, authentication));
  auto replay = world.registry->OpenSession(kShop, authentication);
  CHECK(RefusalOfResult(replay) == RegistryRefusal::kChallengeUsed);
  CHECK(replay.error().code() == ErrorCode::kFailedPrecondition);
}

MYKEY_REGISTRY_TEST(
    "a challenge bound to another terminal is refused and stays usable by its own") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(1);
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  auto stolen = AuthenticationFor(card, *challenge, kLibrary, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->OpenSession(kLibrary, stolen)) ==
        RegistryRefusal::kChallengeOtherTerminal);
  CHECK(world.registry->OpenSession(
      kShop, AuthenticationFor(card, *challenge, kShop, CardAuthPurpose::kLogin)));
}

MYKEY_REGISTRY_TEST(
    "a challenge answered after two minutes is expired; an unknown one is unknown") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(1);
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  CHECK(challenge->challenge.size() == 32);
  CHECK(challenge->expires_at_ms == world.registry->NowMs() + 120'000);
  world.clock.Advance(std::chrono::seconds(120));
  CHECK(RefusalOfResult(world.registry->OpenSession(
            kShop, AuthenticationFor(card, *challenge, kShop, CardAuthPurpose::kLogin))) ==
        RegistryRefusal::kChallengeExpired);
  CardAuthentication unknown = AuthenticationFor(card, *challenge, kShop, CardAuthPurpose::kLogin);
  unknown.challenge_id = std::string(32, 'A');
  CHECK(RefusalOfResult(world.registry->OpenSession(kShop, unknown)) ==
        RegistryRefusal::kChallengeUnknown);
  unknown.challenge_id = "not hex";
  CHECK(RefusalOfResult(world.registry->OpenSession(kShop, unknown)) ==
        RegistryRefusal::kChallengeUnknown);
}

MYKEY_REGISTRY_TEST("challenges are random and a terminal id must be given") {
  RegistryWorld world(FreshStore<TestType>());
  auto a = world.registry->IssueChallenge(kShop);
  auto b = world.registry->IssueChallenge(kShop);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->id != b->id);
  CHECK(a->challenge != b->challenge);
  CHECK(world.registry->IssueChallenge("").error().code() == ErrorCode::kInvalidArgument);
}

MYKEY_REGISTRY_TEST("a malformed certificate is an invalid argument") {
  RegistryWorld world(FreshStore<TestType>());
  auto challenge = world.registry->IssueChallenge(kShop);
  REQUIRE(challenge);
  CardAuthentication authentication =
      AuthenticationFor(Card(1), *challenge, kShop, CardAuthPurpose::kLogin);
  authentication.certificate = BytesOf("garbage");
  CHECK(world.registry->OpenSession(kShop, authentication).error().code() ==
        ErrorCode::kInvalidArgument);
}

MYKEY_REGISTRY_TEST("a card session is bound to its terminal and lasts five minutes") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(3);
  world.GiveMyKeyId(card);
  const CardSession session = world.Session(card, kShop, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kShop, session.token}, "A1", "789"));
  CHECK(RefusalOfResult(world.registry->LookupService({kLibrary, session.token}, "A1")) ==
        RegistryRefusal::kSessionOtherTerminal);
  CHECK(world.registry->LookupService({kShop, session.token}, "A1").value() == "789");
  world.clock.Advance(std::chrono::minutes(5));
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, session.token}, "A1")) ==
        RegistryRefusal::kSessionExpired);
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, std::string(64, 'F')}, "A1")) ==
        RegistryRefusal::kSessionUnknown);
}

// --- MyKey IDs ---------------------------------------------------------------

MYKEY_REGISTRY_TEST(
    "a MyKey ID is created only with a create-mykey-id session, randomly or as chosen") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(4);
  const CardSession login = world.Session(card, kKiosk, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->CreateMyKeyId({kKiosk, login.token}, std::nullopt)) ==
        RegistryRefusal::kSessionPurpose);

  const CardSession create = world.Session(card, kKiosk, CardAuthPurpose::kCreateMyKeyId);
  auto id = world.registry->CreateMyKeyId({kKiosk, create.token}, std::nullopt);
  REQUIRE(id);
  CHECK(IsValidMyKeyId(*id));
  CHECK(RefusalOfResult(world.registry->CreateMyKeyId({kKiosk, create.token}, std::nullopt)) ==
        RegistryRefusal::kHasMyKeyId);
  // The next session names it.
  CHECK(world.Session(card, kShop, CardAuthPurpose::kLogin).mykey_id == *id);

  // Chosen by another holder: free is taken (case-insensitively typed), taken is refused.
  const testing::TestCard& other = Card(5);
  const CardSession other_create = world.Session(other, kKiosk, CardAuthPurpose::kCreateMyKeyId);
  CHECK(RefusalOfResult(world.registry->CreateMyKeyId({kKiosk, other_create.token}, *id)) ==
        RegistryRefusal::kMyKeyIdTaken);
  CHECK(world.registry->CreateMyKeyId({kKiosk, other_create.token}, "ab0defgh").error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(world.registry->CreateMyKeyId({kKiosk, other_create.token}, "tanaka22").value() ==
        "TANAKA22");
}

MYKEY_REGISTRY_TEST(
    "a MyKey ID can be changed to a new random or a chosen free one, keeping links") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(6);
  const std::string first = world.GiveMyKeyId(card, "FRST2345");
  const CardSession link = world.Session(card, kShop, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kShop, link.token}, "A1", "789"));

  const CardSession manage = world.Session(card, kKiosk, CardAuthPurpose::kCreateMyKeyId);
  auto random = world.registry->ChangeMyKeyId({kKiosk, manage.token}, std::nullopt);
  REQUIRE(random);
  CHECK(*random != first);
  auto chosen = world.registry->ChangeMyKeyId({kKiosk, manage.token}, "SECND234");
  REQUIRE(chosen);
  CHECK(*chosen == "SECND234");
  // The old ID is free again.
  world.GiveMyKeyId(Card(7), "FRST2345");
  CHECK(RefusalOfResult(world.registry->ChangeMyKeyId({kKiosk, manage.token}, "FRST2345")) ==
        RegistryRefusal::kMyKeyIdTaken);
  CHECK(world.registry->LookupService({kShop, link.token}, "A1").value() == "789");

  const CardSession stranger = world.Session(Card(8), kKiosk, CardAuthPurpose::kCreateMyKeyId);
  CHECK(RefusalOfResult(world.registry->ChangeMyKeyId({kKiosk, stranger.token}, std::nullopt)) ==
        RegistryRefusal::kNoMyKeyId);
}

/// Random bytes, except that the next `repeat` draws of 16 bytes (one MyKey
/// ID's worth) all give the same bytes, so that random IDs collide.
class StuckRandom final : public crypto::RandomSource {
 public:
  Status Fill(std::span<uint8_t> out) override {
    if (out.size() == 16 && repeat_ > 0) {
      --repeat_;
      for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7);
      return Ok();
    }
    for (uint8_t& b : out) b = static_cast<uint8_t>(counter_++ % 200);
    return Ok();
  }
  int repeat_ = 0;

 private:
  unsigned counter_ = 0;
};

MYKEY_REGISTRY_TEST("a random MyKey ID that is taken is drawn again, up to eight times") {
  testing::TestStore store(FreshStore<TestType>());
  testing::TestClock clock;
  RegistryConfig config;
  config.auth_ca_certificates = testing::AuthAnchors(Pki());
  config.clock = [&clock] { return clock.Now(); };
  auto owned = std::make_unique<StuckRandom>();
  StuckRandom& random = *owned;
  auto registry = RegistryService::Create(*store.store, config, std::move(owned));
  REQUIRE(registry);
  auto create = [&](uint32_t index, int repeat) {
    auto challenge = (*registry)->IssueChallenge(kKiosk);
    REQUIRE(challenge);
    auto session = (*registry)->OpenSession(
        kKiosk,
        AuthenticationFor(Card(index), *challenge, kKiosk, CardAuthPurpose::kCreateMyKeyId));
    REQUIRE(session);
    random.repeat_ = repeat;
    return (*registry)->CreateMyKeyId({kKiosk, session->token}, std::nullopt);
  };
  auto first = create(11, 1);
  REQUIRE(first);
  auto second = create(12, 3);  // three draws of the first ID, then another
  REQUIRE(second);
  CHECK(*second != *first);
  auto third = create(13, 8);  // every draw taken
  CHECK(third.error().code() == ErrorCode::kResourceExhausted);
}

// --- service links -----------------------------------------------------------

MYKEY_REGISTRY_TEST("a provider sees only its own service ID for the holder") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(20);
  world.GiveMyKeyId(card);
  const CardSession at_shop = world.Session(card, kShop, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kShop, at_shop.token}, "A1", "789"));
  const CardSession at_library = world.Session(card, kLibrary, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kLibrary, at_library.token}, "city-library", "280212"));

  CHECK(world.registry->LookupService({kShop, at_shop.token}, "A1").value() == "789");
  CHECK(world.registry->LookupService({kLibrary, at_library.token}, "city-library").value() ==
        "280212");
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, at_shop.token}, "B2")) ==
        RegistryRefusal::kNoServiceLink);
  // Another holder's session never finds the first holder's links.
  world.GiveMyKeyId(Card(21));
  const CardSession stranger = world.Session(Card(21), kShop, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, stranger.token}, "A1")) ==
        RegistryRefusal::kNoServiceLink);
}

MYKEY_REGISTRY_TEST(
    "linking needs a link-service session and a MyKey ID; relinking replaces, unlink "
    "removes") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(22);
  const CardSession no_id = world.Session(card, kShop, CardAuthPurpose::kLinkService);
  CHECK(RefusalOfResult(world.registry->LinkService({kShop, no_id.token}, "A1", "789")) ==
        RegistryRefusal::kNoMyKeyId);
  world.GiveMyKeyId(card);
  const CardSession login = world.Session(card, kShop, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->LinkService({kShop, login.token}, "A1", "789")) ==
        RegistryRefusal::kSessionPurpose);
  const CardSession link = world.Session(card, kShop, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kShop, link.token}, "A1", "789"));
  REQUIRE(world.registry->LinkService({kShop, link.token}, "A1", "790"));
  CHECK(world.registry->LookupService({kShop, login.token}, "A1").value() == "790");
  CHECK(world.registry->LinkService({kShop, link.token}, "A1", "").error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(world.registry->LinkService({kShop, link.token}, "A1", "7\n9").error().code() ==
        ErrorCode::kInvalidArgument);
  REQUIRE(world.registry->UnlinkService({kShop, link.token}, "A1"));
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, login.token}, "A1")) ==
        RegistryRefusal::kNoServiceLink);
  CHECK(RefusalOfResult(world.registry->UnlinkService({kShop, link.token}, "A1")) ==
        RegistryRefusal::kNoServiceLink);
}

MYKEY_REGISTRY_TEST("lookups store nothing: no history of use") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(23);
  world.GiveMyKeyId(card);
  const CardSession link = world.Session(card, kShop, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kShop, link.token}, "A1", "789"));
  const std::vector<int64_t> before = RowCounts(world.store());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(world.registry->LookupService({kShop, link.token}, "A1"));
    CHECK(RefusalOfResult(world.registry->LookupService({kShop, link.token}, "B2")) ==
          RegistryRefusal::kNoServiceLink);
  }
  CHECK(RowCounts(world.store()) == before);
}

MYKEY_REGISTRY_TEST("expired challenges and sessions are purged after one more TTL") {
  RegistryWorld world(FreshStore<TestType>());
  const CardSession session = world.Session(Card(24), kShop, CardAuthPurpose::kLogin);
  world.clock.Advance(std::chrono::minutes(11));
  REQUIRE(world.registry->IssueChallenge(kShop));
  const std::vector<int64_t> counts = RowCounts(world.store());
  CHECK(counts[0] == 1);  // only the new challenge
  CHECK(counts[1] == 0);  // no session
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, session.token}, "A1")) ==
        RegistryRefusal::kSessionUnknown);
}

// --- suspension --------------------------------------------------------------

MYKEY_REGISTRY_TEST(
    "an operator's suspension stops the MyKey ID at once everywhere; resuming restores it") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(30);
  const std::string id = world.GiveMyKeyId(card);
  const CardSession link = world.Session(card, kShop, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kShop, link.token}, "A1", "789"));

  REQUIRE(world.registry->Suspend(id, StopReporter::kOperator));
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, link.token}, "A1")) ==
        RegistryRefusal::kCardSuspended);
  auto refused = world.Authenticate(card, kLibrary, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(refused) == RegistryRefusal::kCardSuspended);
  CHECK(refused.error().code() == ErrorCode::kPermissionDenied);
  // Suspending twice changes nothing.
  REQUIRE(world.registry->Suspend(id, StopReporter::kOperator));

  REQUIRE(world.registry->Resume(id));
  CHECK(world.registry->LookupService({kShop, link.token}, "A1").value() == "789");
  CHECK(RefusalOfResult(world.registry->Resume(id)) == RegistryRefusal::kNotSuspended);
  CHECK(RefusalOfResult(world.registry->Suspend("ZZZZZZZZ", StopReporter::kOperator)) ==
        RegistryRefusal::kMyKeyIdUnknown);
  CHECK(world.registry->Suspend("bad", StopReporter::kOperator).error().code() ==
        ErrorCode::kInvalidArgument);

  auto feed = world.registry->Revocations(0, 100);
  REQUIRE(feed);
  REQUIRE(feed->entries.size() == 2);
  const crypto::Sha256Digest hash = MyKeyIdHash(id);
  CHECK(feed->entries[0].kind == FeedEntry::Kind::kSuspension);
  CHECK(feed->entries[0].added);
  CHECK(feed->entries[0].mykey_id_hash == Bytes(hash.begin(), hash.end()));
  CHECK_FALSE(feed->entries[1].added);
  CHECK(feed->entries[1].sequence > feed->entries[0].sequence);
}

MYKEY_REGISTRY_TEST("the holder reports a lost card with a report-lost session") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(31);
  const std::string id = world.GiveMyKeyId(card);
  const CardSession login = world.Session(card, kKiosk, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->ReportLost({kKiosk, login.token})) ==
        RegistryRefusal::kSessionPurpose);
  const CardSession report = world.Session(card, kKiosk, CardAuthPurpose::kReportLost);
  CHECK(world.registry->ReportLost({kKiosk, report.token}).value() == id);
  CHECK(RefusalOfResult(world.Authenticate(card, kShop, CardAuthPurpose::kLogin)) ==
        RegistryRefusal::kCardSuspended);
  REQUIRE(world.registry->Resume(id));
  CHECK(world.Authenticate(card, kShop, CardAuthPurpose::kLogin));
}

// --- CRL import and revocation ------------------------------------------------

MYKEY_REGISTRY_TEST(
    "after a CRL import a listed certificate is refused as revoked, also mid-session") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& card = Card(40);
  world.GiveMyKeyId(card);
  const CardSession session = world.Session(card, kShop, CardAuthPurpose::kLogin);

  auto report = world.registry->ImportCrl(CrlListing({card.certificate.serial()}));
  REQUIRE(report);
  CHECK(report->listed == 1);
  CHECK(report->added == 1);
  CHECK(world.registry->IsRevoked(card.certificate.serial()).value());
  auto refused = world.Authenticate(card, kShop, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(refused) == RegistryRefusal::kCertificateRevoked);
  CHECK(refused.error().code() == ErrorCode::kPermissionDenied);
  CHECK(RefusalOfResult(world.registry->LookupService({kShop, session.token}, "A1")) ==
        RegistryRefusal::kCertificateRevoked);
  // Another card is not affected.
  CHECK(world.Authenticate(Card(41), kShop, CardAuthPurpose::kLogin));
}

MYKEY_REGISTRY_TEST("CRLs of every generation are verified by key; a foreign CRL is refused") {
  RegistryWorld world(FreshStore<TestType>());
  for (int generation : {2015, 2019, 2023}) {
    auto report = world.registry->ImportCrl(
        CrlListing({Bytes{0x10, static_cast<uint8_t>(generation % 256)}}, generation));
    REQUIRE(report);
    CHECK(report->issuer_index == (generation - 2015) / 4);
  }
  auto other = testjpki::TestPki::Create("an impostor's seed", {2023});
  REQUIRE(other);
  testjpki::CrlOptions options;
  options.this_update = std::chrono::sys_seconds(testing::Today());
  options.serials = {Card(42).certificate.serial()};
  auto foreign = other->MakeCrl(options);
  REQUIRE(foreign);
  CHECK(RefusalOfResult(world.registry->ImportCrl(*foreign)) == RegistryRefusal::kCrlUntrusted);
  CHECK_FALSE(world.registry->IsRevoked(Card(42).certificate.serial()).value());
  Bytes tampered = CrlListing({Bytes{0x42}});
  tampered[tampered.size() - 5] ^= 0x01;  // inside the signature
  CHECK(RefusalOfResult(world.registry->ImportCrl(tampered)) == RegistryRefusal::kCrlUntrusted);
  CHECK(world.registry->ImportCrl(BytesOf("not a CRL")).error().code() ==
        ErrorCode::kInvalidArgument);
}

MYKEY_REGISTRY_TEST("re-importing a CRL adds nothing; an older CRL of the same CA is refused") {
  RegistryWorld world(FreshStore<TestType>());
  const Bytes today = CrlListing({Bytes{0x01}, Bytes{0x02}, Bytes{0x03}});
  REQUIRE(world.registry->ImportCrl(today)->added == 3);
  auto again = world.registry->ImportCrl(today);
  REQUIRE(again);
  CHECK(again->added == 0);
  CHECK(again->last_sequence == 3);
  const Bytes tomorrow = CrlListing({Bytes{0x01}, Bytes{0x02}, Bytes{0x03}, Bytes{0x04}}, 0, -1);
  auto next = world.registry->ImportCrl(tomorrow);
  REQUIRE(next);
  CHECK(next->added == 1);
  CHECK(next->last_sequence == 4);
  CHECK(world.registry->ImportCrl(CrlListing({Bytes{0x05}}, 0, 1)).error().code() ==
        ErrorCode::kFailedPrecondition);
  CHECK_FALSE(world.registry->IsRevoked(Bytes{0x05}).value());
}

MYKEY_REGISTRY_TEST("a large CRL imports in batches with one feed number per new serial") {
  RegistryWorld world(FreshStore<TestType>());
  testjpki::CrlOptions options;
  options.this_update = std::chrono::sys_seconds(testing::Today());
  options.random_count = 3000;
  options.serials = {Card(43).certificate.serial()};
  auto crl = Pki().MakeCrl(options);
  REQUIRE(crl);
  auto report = world.registry->ImportCrl(*crl);
  REQUIRE(report);
  CHECK(report->listed == 3001);
  CHECK(report->added == 3001);
  CHECK(report->last_sequence == 3001);
  CHECK(world.registry->IsRevoked(Card(43).certificate.serial()).value());
  auto parsed = crypto::Crl::FromDer(*crl);
  REQUIRE(parsed);
  for (size_t i = 0; i < parsed->RevokedSerials().size(); i += 97) {
    CHECK(world.registry->IsRevoked(parsed->RevokedSerials()[i]).value());
  }
  // The feed pages through them all in order.
  int64_t since = 0;
  size_t seen = 0;
  int64_t last = 0;
  for (;;) {
    auto page = world.registry->Revocations(since, 1000);
    REQUIRE(page);
    for (const FeedEntry& entry : page->entries) {
      CHECK(entry.sequence > last);
      last = entry.sequence;
      CHECK(entry.kind == FeedEntry::Kind::kRevocation);
    }
    seen += page->entries.size();
    since = page->next;
    if (!page->more) break;
  }
  CHECK(seen == 3001);
}

// --- the delta feed ------------------------------------------------------------

MYKEY_REGISTRY_TEST("the feed interleaves revocations and suspensions by sequence with a cursor") {
  RegistryWorld world(FreshStore<TestType>());
  const std::string id = world.GiveMyKeyId(Card(50));
  REQUIRE(world.registry->ImportCrl(CrlListing({Bytes{0x01}, Bytes{0x02}})));
  REQUIRE(world.registry->Suspend(id, StopReporter::kOperator));
  REQUIRE(world.registry->ImportCrl(CrlListing({Bytes{0x01}, Bytes{0x02}, Bytes{0x03}}, 0, -1)));
  REQUIRE(world.registry->Resume(id));

  auto all = world.registry->Revocations(0, 10);
  REQUIRE(all);
  REQUIRE(all->entries.size() == 5);
  CHECK_FALSE(all->more);
  CHECK(all->next == 5);
  const std::vector<FeedEntry::Kind> kinds = {
      FeedEntry::Kind::kRevocation, FeedEntry::Kind::kRevocation, FeedEntry::Kind::kSuspension,
      FeedEntry::Kind::kRevocation, FeedEntry::Kind::kSuspension};
  for (size_t i = 0; i < kinds.size(); ++i) {
    CHECK(all->entries[i].sequence == static_cast<int64_t>(i + 1));
    CHECK(all->entries[i].kind == kinds[i]);
  }
  CHECK(all->entries[3].serial == Bytes{0x03});
  CHECK_FALSE(all->entries[4].added);

  auto first = world.registry->Revocations(0, 2);
  REQUIRE(first);
  CHECK(first->entries.size() == 2);
  CHECK(first->more);
  auto rest = world.registry->Revocations(first->next, 2);
  REQUIRE(rest);
  CHECK(rest->entries.front().sequence == 3);
  auto none = world.registry->Revocations(5, 2);
  REQUIRE(none);
  CHECK(none->entries.empty());
  CHECK(none->next == 5);
  CHECK_FALSE(none->more);
  CHECK(world.registry->Revocations(0, 0).error().code() == ErrorCode::kInvalidArgument);
  CHECK(world.registry->Revocations(-1, 10).error().code() == ErrorCode::kInvalidArgument);
}

// --- renewal -----------------------------------------------------------------

MYKEY_REGISTRY_TEST(
    "with an imported renewal link the holder moves the MyKey ID by authenticating with "
    "the new card") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& old_card = Card(CardSpec{60, 0, CardValidity::kNormal, 400});
  const testing::TestCard& new_card = Card(60);
  REQUIRE(old_card.certificate.serial() != new_card.certificate.serial());
  const std::string id = world.GiveMyKeyId(old_card);
  const CardSession link = world.Session(old_card, kShop, CardAuthPurpose::kLinkService);
  REQUIRE(world.registry->LinkService({kShop, link.token}, "A1", "789"));

  // No link yet: nothing to move.
  CardSession consent = world.Session(new_card, kKiosk, CardAuthPurpose::kMoveMyKeyId);
  CHECK(RefusalOfResult(world.registry->MoveMyKeyId({kKiosk, consent.token})) ==
        RegistryRefusal::kNoRenewalLink);

  const RenewalLink renewal{old_card.certificate.serial(), new_card.certificate.serial()};
  CHECK(world.registry->ImportRenewalLinks(std::span(&renewal, 1)).value() == 1);
  CHECK(world.registry->ImportRenewalLinks(std::span(&renewal, 1)).value() == 0);

  // Consent must be given for this purpose.
  const CardSession login = world.Session(new_card, kKiosk, CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->MoveMyKeyId({kKiosk, login.token})) ==
        RegistryRefusal::kSessionPurpose);
  CHECK(world.registry->MoveMyKeyId({kKiosk, consent.token}).value() == id);

  CHECK(world.Session(new_card, kShop, CardAuthPurpose::kLogin).mykey_id == id);
  CHECK_FALSE(world.Session(old_card, kShop, CardAuthPurpose::kLogin).mykey_id);
  const CardSession at_shop = world.Session(new_card, kShop, CardAuthPurpose::kLogin);
  CHECK(world.registry->LookupService({kShop, at_shop.token}, "A1").value() == "789");
  // Moving again: the new card has it already.
  CHECK(RefusalOfResult(world.registry->MoveMyKeyId({kKiosk, consent.token})) ==
        RegistryRefusal::kHasMyKeyId);
}

MYKEY_REGISTRY_TEST("a suspended MyKey ID does not move; conflicting renewal links are refused") {
  RegistryWorld world(FreshStore<TestType>());
  const testing::TestCard& old_card = Card(CardSpec{61, 0, CardValidity::kNormal, 400});
  const testing::TestCard& new_card = Card(61);
  const std::string id = world.GiveMyKeyId(old_card);
  const RenewalLink renewal{old_card.certificate.serial(), new_card.certificate.serial()};
  REQUIRE(world.registry->ImportRenewalLinks(std::span(&renewal, 1)));
  REQUIRE(world.registry->Suspend(id, StopReporter::kOperator));
  const CardSession consent = world.Session(new_card, kKiosk, CardAuthPurpose::kMoveMyKeyId);
  CHECK(RefusalOfResult(world.registry->MoveMyKeyId({kKiosk, consent.token})) ==
        RegistryRefusal::kCardSuspended);

  const RenewalLink conflicting{Bytes{0x77}, new_card.certificate.serial()};
  CHECK(RefusalOfResult(world.registry->ImportRenewalLinks(std::span(&conflicting, 1))) ==
        RegistryRefusal::kRenewalLinkConflict);
  const RenewalLink self{Bytes{0x77}, Bytes{0x00, 0x77}};
  CHECK(world.registry->ImportRenewalLinks(std::span(&self, 1)).error().code() ==
        ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mykey::cloud
