#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/auth/auth_schema.h"
#include "mykey/auth/caller.h"
#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Where a terminal stands: the site (a merchant, library, kiosk or
/// facility), the provider whose service IDs it may read, and the
/// municipality of the site.
///
/// Thread safety: a value type; not synchronised.
struct Site {
  SiteKind kind = SiteKind::kMerchant;
  std::string id;                 ///< the site's id ("A1")
  std::string provider_id;        ///< the provider ("shopA")
  std::string municipality_code;  ///< 6-digit local government code ("131016")

  friend bool operator==(const Site&, const Site&) = default;
};

/// True for a site, provider or partner id: 1..64 characters of A-Z a-z 0-9
/// '.' '_' '-'.
bool IsValidPartyId(std::string_view id) noexcept;

/// Checks a site: ids as IsValidPartyId(), the municipality code with its
/// check digit. @returns Ok or kInvalidArgument.
Status ValidateSite(const Site& site);

/// Whether a terminal may call the cloud.
enum class TerminalStatus : uint8_t { kActive, kSuspended };

/// "active" / "suspended".
const char* TerminalStatusName(TerminalStatus status) noexcept;

/// An enrolled terminal as stored.
///
/// Thread safety: a value type; not synchronised.
struct TerminalRecord {
  std::string id;
  std::string name;
  Site site;
  TerminalStatus status = TerminalStatus::kActive;
  Bytes public_key_der;  ///< ECDSA P-256 SubjectPublicKeyInfo
  int64_t enrolled_at_ms = 0;
  std::optional<int64_t> last_seen_at_ms;
};

/// The enrolled terminals of a store (schema component "auth").
///
/// Thread safety: stateless; safe from any thread (the store serialises).
class TerminalDirectory {
 public:
  /// @param store borrowed; must outlive this object and have the auth schema
  explicit TerminalDirectory(Store& store) : store_(store) {}

  /// @returns the terminal; kNotFound if there is none with `id`; store errors.
  Result<TerminalRecord> Find(std::string_view id);
  /// @returns every terminal, oldest enrollment first; store errors.
  Result<std::vector<TerminalRecord>> List();
  /// Suspends or resumes a terminal; takes effect with its next request.
  /// @returns kNotFound if there is no terminal `id`; store errors.
  Status SetStatus(std::string_view id, TerminalStatus status);

 private:
  Store& store_;
};

/// Reads one auth_terminals row selected with kTerminalColumns (internal to
/// the module; declared here for the authenticator).
TerminalRecord TerminalFromRow(const Row& row);
/// The column list TerminalFromRow() expects.
inline constexpr std::string_view kTerminalColumns =
    "id, name, site_kind, site_id, provider_id, municipality_code, status, public_key, "
    "enrolled_at_ms, last_seen_at_ms";

}  // namespace mykey::cloud
