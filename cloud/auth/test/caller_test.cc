#include "mykey/auth/caller.h"

#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

TEST_CASE("site kinds read back from their names") {
  for (SiteKind kind :
       {SiteKind::kMerchant, SiteKind::kLibrary, SiteKind::kKiosk, SiteKind::kFacility}) {
    CHECK(ParseSiteKind(SiteKindName(kind)) == kind);
  }
  CHECK(std::string(SiteKindName(SiteKind::kLibrary)) == "library");
  CHECK_FALSE(ParseSiteKind("shop"));
  CHECK_FALSE(ParseSiteKind("Merchant"));
}

TEST_CASE("operator scopes read back from their names") {
  for (OperatorScope scope : {OperatorScope::kMunicipality, OperatorScope::kProvider,
                              OperatorScope::kPartner, OperatorScope::kAdmin}) {
    CHECK(ParseOperatorScope(OperatorScopeName(scope)) == scope);
  }
  CHECK(std::string(OperatorScopeName(OperatorScope::kMunicipality)) == "municipality");
  CHECK_FALSE(ParseOperatorScope("root"));
}

}  // namespace
}  // namespace mykey::cloud
