#include "mykey/auth/enrollment.h"

#include <regex>

#include "auth_fixture.h"

namespace mykey::cloud {
namespace {

using auth_test::AuthStore;
using auth_test::ShopA1;
using auth_test::TerminalKey;
using auth_test::TestClock;
using auth_test::TestRandom;

struct Fixture {
  AuthStore db;
  TestClock clock;
  std::unique_ptr<crypto::RandomSource> random = TestRandom("enrollment");
  TerminalEnrollment enrollment{*db.store, *random, clock.Function()};
  TerminalDirectory terminals{*db.store};

  IssuedEnrollmentCode Issue(std::chrono::seconds ttl = std::chrono::hours(72)) {
    auto issued = enrollment.IssueCode(ShopA1(), ttl);
    REQUIRE(issued);
    return *issued;
  }
};

ErrorCode CodeOf(const Result<EnrolledTerminal>& result) {
  REQUIRE_FALSE(result);
  return result.error().code();
}

TEST_CASE("an issued enrollment code is 24 Crockford characters in groups of four") {
  Fixture f;
  const IssuedEnrollmentCode issued = f.Issue();
  CHECK(std::regex_match(issued.code,
                         std::regex("([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}")));
  CHECK(issued.code_id == issued.code.substr(0, 4) + issued.code.substr(5, 4));
  CHECK(issued.site == ShopA1());
  CHECK(issued.expires_at_ms == auth_test::kStartMs + 72 * 3600 * 1000);
  CHECK(f.db.Count("SELECT count(*) FROM auth_enrollment_codes") == 1);
}

TEST_CASE("an enrollment code is stored only as a salted hash") {
  Fixture f;
  const IssuedEnrollmentCode first = f.Issue();
  const IssuedEnrollmentCode second = f.Issue();
  CHECK(first.code != second.code);
  std::vector<Row> rows;
  REQUIRE(f.db.store->WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(rows, tx.Query("SELECT salt, secret_hash FROM auth_enrollment_codes"));
    return Ok();
  }));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].Blob(0) != rows[1].Blob(0));
  const auto secret = first.code.substr(10);
  for (const Row& row : rows) {
    const Bytes& hash = row.Blob(1);
    const auto unsalted = crypto::Sha256(ViewOf(secret));
    CHECK_FALSE(std::equal(hash.begin(), hash.end(), unsalted.begin(), unsalted.end()));
  }
}

TEST_CASE("a terminal enrolls with a code and its P-256 key") {
  Fixture f;
  const IssuedEnrollmentCode issued = f.Issue();
  const crypto::EcdsaPrivateKey key = TerminalKey("t1");
  auto enrolled = f.enrollment.Enroll(issued.code, key.PublicKey().ToDer(), "Till 1");
  REQUIRE(enrolled);
  CHECK(enrolled->terminal_id.size() == 24);
  CHECK(enrolled->site == ShopA1());
  auto record = f.terminals.Find(enrolled->terminal_id);
  REQUIRE(record);
  CHECK(record->name == "Till 1");
  CHECK(record->site == ShopA1());
  CHECK(record->status == TerminalStatus::kActive);
  CHECK(record->public_key_der == key.PublicKey().ToDer());
  CHECK(record->enrolled_at_ms == auth_test::kStartMs);
  CHECK_FALSE(record->last_seen_at_ms);
}

TEST_CASE("an enrollment code is typed case-insensitively with look-alikes and without dashes") {
  Fixture f;
  std::string typed = f.Issue().code;
  typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
  for (char& c : typed) {
    if (c == '0')
      c = 'o';
    else if (c == '1')
      c = 'l';
    else
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  CHECK(f.enrollment.Enroll(typed, TerminalKey("t1").PublicKey().ToDer(), "Till"));
}

TEST_CASE("an enrollment code is used once") {
  Fixture f;
  const IssuedEnrollmentCode issued = f.Issue();
  REQUIRE(f.enrollment.Enroll(issued.code, TerminalKey("t1").PublicKey().ToDer(), "Till 1"));
  const auto again = f.enrollment.Enroll(issued.code, TerminalKey("t2").PublicKey().ToDer(), "T2");
  CHECK(CodeOf(again) == ErrorCode::kAlreadyExists);
  CHECK(f.db.Count("SELECT count(*) FROM auth_terminals") == 1);
}

TEST_CASE("unknown, mistyped and expired codes are refused with one error") {
  Fixture f;
  const IssuedEnrollmentCode issued = f.Issue(std::chrono::hours(1));
  const Bytes key = TerminalKey("t1").PublicKey().ToDer();
  std::string wrong_secret = issued.code;
  wrong_secret.back() = wrong_secret.back() == 'Z' ? 'Y' : 'Z';
  std::string unknown_id = issued.code;
  unknown_id.front() = unknown_id.front() == 'Z' ? 'Y' : 'Z';
  const auto mistyped = f.enrollment.Enroll(wrong_secret, key, "Till");
  const auto unknown = f.enrollment.Enroll(unknown_id, key, "Till");
  const auto malformed = f.enrollment.Enroll("ABCD-EFGH", key, "Till");
  f.clock.Advance(3600 * 1000);
  const auto expired = f.enrollment.Enroll(issued.code, key, "Till");
  for (const auto* result : {&mistyped, &unknown, &malformed, &expired}) {
    CHECK(CodeOf(*result) == ErrorCode::kUnauthenticated);
    CHECK(std::string(result->error().message()) == "enrollment code not valid");
  }
  CHECK(f.db.Count("SELECT count(*) FROM auth_enrollment_codes WHERE used_at_ms IS NULL") == 1);
}

TEST_CASE("a code is valid until just before its expiry") {
  Fixture f;
  const IssuedEnrollmentCode issued = f.Issue(std::chrono::hours(1));
  f.clock.Advance(3600 * 1000 - 1);
  CHECK(f.enrollment.Enroll(issued.code, TerminalKey("t1").PublicKey().ToDer(), "Till"));
}

TEST_CASE("a key that is not a P-256 public key is refused and leaves the code unused") {
  Fixture f;
  const IssuedEnrollmentCode issued = f.Issue();
  CHECK(CodeOf(f.enrollment.Enroll(issued.code, BytesOf("not a key"), "Till")) ==
        ErrorCode::kInvalidArgument);
  CHECK(CodeOf(f.enrollment.Enroll(issued.code, TerminalKey("t1").PublicKey().ToDer(), "")) ==
        ErrorCode::kInvalidArgument);
  CHECK(f.enrollment.Enroll(issued.code, TerminalKey("t1").PublicKey().ToDer(), "Till"));
}

TEST_CASE("a key enrolled already is refused and the code stays unused") {
  Fixture f;
  const Bytes key = TerminalKey("t1").PublicKey().ToDer();
  REQUIRE(f.enrollment.Enroll(f.Issue().code, key, "Till 1"));
  const IssuedEnrollmentCode second = f.Issue();
  CHECK(CodeOf(f.enrollment.Enroll(second.code, key, "Till 2")) == ErrorCode::kAlreadyExists);
  CHECK(f.enrollment.Enroll(second.code, TerminalKey("t2").PublicKey().ToDer(), "Till 2"));
}

TEST_CASE("codes are issued only for valid sites and lifetimes") {
  Fixture f;
  Site bad_municipality = ShopA1();
  bad_municipality.municipality_code = "131017";
  Site bad_site = ShopA1();
  bad_site.id = "A 1";
  Site bad_provider = ShopA1();
  bad_provider.provider_id = "";
  for (const Site& site : {bad_municipality, bad_site, bad_provider}) {
    const auto issued = f.enrollment.IssueCode(site, std::chrono::hours(1));
    REQUIRE_FALSE(issued);
    CHECK(issued.error().code() == ErrorCode::kInvalidArgument);
  }
  CHECK_FALSE(f.enrollment.IssueCode(ShopA1(), std::chrono::seconds(59)));
  CHECK_FALSE(f.enrollment.IssueCode(ShopA1(), kMaxEnrollmentCodeTtl + std::chrono::seconds(1)));
  CHECK(f.enrollment.IssueCode(ShopA1(), kMaxEnrollmentCodeTtl));
}

TEST_CASE("terminals are listed, suspended and resumed") {
  Fixture f;
  auto first = f.enrollment.Enroll(f.Issue().code, TerminalKey("t1").PublicKey().ToDer(), "One");
  f.clock.Advance(1000);
  Site library{SiteKind::kLibrary, "central", "chiyoda-lib", "131016"};
  auto code = f.enrollment.IssueCode(library, std::chrono::hours(1));
  REQUIRE(code);
  auto second = f.enrollment.Enroll(code->code, TerminalKey("t2").PublicKey().ToDer(), "Two");
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(f.terminals.SetStatus(second->terminal_id, TerminalStatus::kSuspended));
  auto list = f.terminals.List();
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == first->terminal_id);
  CHECK((*list)[0].status == TerminalStatus::kActive);
  CHECK((*list)[1].site == library);
  CHECK((*list)[1].status == TerminalStatus::kSuspended);
  REQUIRE(f.terminals.SetStatus(second->terminal_id, TerminalStatus::kActive));
  CHECK(f.terminals.Find(second->terminal_id)->status == TerminalStatus::kActive);
  const Status missing = f.terminals.SetStatus("0123456789abcdef01234567", TerminalStatus::kActive);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
  CHECK(f.terminals.Find("nope").error().code() == ErrorCode::kNotFound);
}

TEST_CASE("the auth schema migrates once and names its component") {
  AuthStore db;
  auto again = MigrateAuth(*db.store);
  REQUIRE(again);
  CHECK(again->applied == 0);
  CHECK(again->to_version == static_cast<int>(AuthMigrations().size()));
  CHECK(SchemaVersion(*db.store, kAuthSchema).value() == 1);
}

}  // namespace
}  // namespace mykey::cloud
