#include "mykey/auth/caller.h"

namespace mykey::cloud {

const char* SiteKindName(SiteKind kind) noexcept {
  switch (kind) {
    case SiteKind::kMerchant: return "merchant";
    case SiteKind::kLibrary: return "library";
    case SiteKind::kKiosk: return "kiosk";
    case SiteKind::kFacility: return "facility";
  }
  return "merchant";
}

std::optional<SiteKind> ParseSiteKind(std::string_view name) noexcept {
  for (SiteKind kind :
       {SiteKind::kMerchant, SiteKind::kLibrary, SiteKind::kKiosk, SiteKind::kFacility}) {
    if (name == SiteKindName(kind)) return kind;
  }
  return std::nullopt;
}

const char* OperatorScopeName(OperatorScope scope) noexcept {
  switch (scope) {
    case OperatorScope::kMunicipality: return "municipality";
    case OperatorScope::kProvider: return "provider";
    case OperatorScope::kPartner: return "partner";
    case OperatorScope::kAdmin: return "admin";
  }
  return "admin";
}

std::optional<OperatorScope> ParseOperatorScope(std::string_view name) noexcept {
  for (OperatorScope scope : {OperatorScope::kMunicipality, OperatorScope::kProvider,
                              OperatorScope::kPartner, OperatorScope::kAdmin}) {
    if (name == OperatorScopeName(scope)) return scope;
  }
  return std::nullopt;
}

}  // namespace mykey::cloud
