#include "mykey/crypto/crl.h"

#include <chrono>
#include <iostream>

#include "mykey/testing/catch.h"
#include "test_pki.h"

namespace mykey::crypto {
namespace {

using testing::Date;
using testing::TestCa;
using testing::TestKey;

Bytes Serial(uint64_t n) {
  Bytes out;
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  return out;
}

TEST_CASE("A built CRL parses back with its issuer, dates, number and serials") {
  const Certificate ca = TestCa(2023);
  const Bytes s1 = {0x12, 0x34};
  const Bytes s2 = {0x9A, 0xBC, 0xDE, 0xF0, 0x12, 0x34, 0x56, 0x78};  // high bit set
  const Bytes s3 = {0x00, 0x00, 0x05};
  auto der = CrlBuilder()
                 .SetIssuer(ca)
                 .SetThisUpdate(Date(2024, 6, 1))
                 .SetNextUpdate(Date(2024, 6, 2))
                 .SetCrlNumber(4242)
                 .AddRevoked(s1, Date(2024, 5, 1))
                 .AddRevoked(s2, Date(2024, 5, 2))
                 .AddRevoked(s3, Date(2024, 5, 3))
                 .Build(TestKey("ca-2023"));
  REQUIRE(der);
  auto crl = Crl::FromDer(*der);
  REQUIRE(crl);
  CHECK(crl->issuer() == testing::kCaDn);
  CHECK(crl->this_update() == Date(2024, 6, 1));
  CHECK(crl->has_next_update());
  CHECK(crl->next_update() == Date(2024, 6, 2));
  CHECK(ToHex(crl->crl_number()) == "1092");
  CHECK(crl->authority_key_id() == ca.subject_key_id());
  CHECK(crl->revoked_count() == 3);
  CHECK(crl->IsRevoked(s1));
  CHECK(crl->IsRevoked(s2));
  CHECK(crl->IsRevoked(Bytes{0x05}));
  CHECK(crl->IsRevoked(Bytes{0x00, 0x12, 0x34}));
  CHECK_FALSE(crl->IsRevoked(Bytes{0x12, 0x35}));
  CHECK_FALSE(crl->IsRevoked(Bytes{0x34}));
  REQUIRE(crl->RevokedSerials().size() == 3);
  CHECK(ToHex(crl->RevokedSerials()[0]) == "05");
  CHECK(ToHex(crl->RevokedSerials()[1]) == "1234");
  CHECK(ToHex(crl->RevokedSerials()[2]) == "9ABCDEF012345678");
  CHECK(std::ranges::equal(crl->der(), *der));
}

TEST_CASE("A CRL verifies with its own CA generation only") {
  const Certificate ca2019 = TestCa(2019);
  const Certificate ca2023 = TestCa(2023);
  auto der = CrlBuilder()
                 .SetIssuer(ca2019)
                 .SetThisUpdate(Date(2024, 6, 1))
                 .AddRevoked(Bytes{0x01}, Date(2024, 5, 1))
                 .Build(TestKey("ca-2019"));
  REQUIRE(der);
  auto crl = Crl::FromDer(*der);
  REQUIRE(crl);
  CHECK(crl->VerifySignedBy(ca2019));
  auto other = crl->VerifySignedBy(ca2023);
  REQUIRE_FALSE(other);
  CHECK(other.error().code() == ErrorCode::kUnauthenticated);

  Bytes tampered = *der;
  tampered[tampered.size() - 5] ^= 0x40;
  auto bad = Crl::FromDer(tampered);
  REQUIRE(bad);
  CHECK_FALSE(bad->VerifySignedBy(ca2019));
}

TEST_CASE("An empty CRL has no revoked serials and no nextUpdate when none is set") {
  auto der = CrlBuilder()
                 .SetIssuer(TestCa(2023))
                 .SetThisUpdate(Date(2024, 6, 1))
                 .Build(TestKey("ca-2023"));
  REQUIRE(der);
  auto crl = Crl::FromDer(*der);
  REQUIRE(crl);
  CHECK(crl->revoked_count() == 0);
  CHECK_FALSE(crl->IsRevoked(Bytes{0x01}));
  CHECK_FALSE(crl->has_next_update());
  CHECK(crl->VerifySignedBy(TestCa(2023)));
}

TEST_CASE("The CRL builder refuses a missing issuer, a wrong key or a bad serial") {
  auto no_issuer = CrlBuilder().SetThisUpdate(Date(2024, 6, 1)).Build(TestKey("ca-2023"));
  REQUIRE_FALSE(no_issuer);
  CHECK(no_issuer.error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(CrlBuilder().SetIssuer(TestCa(2023)).Build(TestKey("ca-2023")));
  CHECK_FALSE(
      CrlBuilder().SetIssuer(TestCa(2023)).SetThisUpdate(Date(2024, 6, 1)).Build(TestKey("ee")));
  CHECK_FALSE(CrlBuilder()
                  .SetIssuer(TestCa(2023))
                  .SetThisUpdate(Date(2024, 6, 1))
                  .AddRevoked(Bytes(21, 0x7F), Date(2024, 1, 1))
                  .Build(TestKey("ca-2023")));
}

TEST_CASE("Garbage is not accepted as a CRL") {
  auto crl = Crl::FromDer(Bytes{0x30, 0x00});
  REQUIRE_FALSE(crl);
  CHECK(crl.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A CRL with 100000 serials is written and parsed and searched") {
  using Clock = std::chrono::steady_clock;
  CrlBuilder builder;
  builder.SetIssuer(TestCa(2023)).SetThisUpdate(Date(2024, 6, 1)).SetNextUpdate(Date(2024, 6, 2));
  constexpr uint64_t kCount = 100000;
  for (uint64_t i = 0; i < kCount; ++i) {
    // Spread over 8 octets, some with the high bit set.
    builder.AddRevoked(Serial(0x8000000000000000ull ^ (i * 0x9E3779B97F4A7C15ull)),
                       Date(2024, 5, 1));
  }
  const auto t0 = Clock::now();
  auto der = builder.Build(TestKey("ca-2023"));
  const auto t1 = Clock::now();
  REQUIRE(der);
  auto crl = Crl::FromDer(*der);
  const auto t2 = Clock::now();
  REQUIRE(crl);
  CHECK(crl->revoked_count() == kCount);
  CHECK(crl->IsRevoked(Serial(0x8000000000000000ull ^ (12345 * 0x9E3779B97F4A7C15ull))));
  CHECK_FALSE(crl->IsRevoked(Serial(0x8000000000000000ull ^ (kCount * 0x9E3779B97F4A7C15ull))));
  CHECK(crl->VerifySignedBy(TestCa(2023)));
  // A figure, not an assertion (style.md: no timed tests).
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  std::cout << "CRL with " << kCount << " serials: " << der->size() << " bytes, written in "
            << duration_cast<milliseconds>(t1 - t0).count() << " ms, parsed in "
            << duration_cast<milliseconds>(t2 - t1).count() << " ms\n";
}

}  // namespace
}  // namespace mykey::crypto
