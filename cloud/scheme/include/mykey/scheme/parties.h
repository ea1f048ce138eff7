#pragma once

// Programmes, merchants (and facilities) and service providers: the parties
// of the scheme besides municipalities (municipalities.h), in the store's
// core schema (cloud/store/src/schema.cc).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// A municipality's points programme. Events and projects are programmes of
/// their own (kind "event", "project").
struct Programme {
  int64_t id = 0;
  std::string municipality_code;
  std::string code;  ///< 1..64 of [a-z0-9_-], unique within the municipality
  std::string name;  ///< 1..200 bytes
  std::string kind;  ///< "points", "event" or "project"
  int64_t created_at_ms = 0;
};

/// A merchant or facility: a shop, a library, a kiosk site or a facility.
struct Merchant {
  int64_t id = 0;
  std::string municipality_code;
  std::string name;                    ///< 1..200 bytes
  std::string kind;                    ///< "shop", "library", "kiosk" or "facility"
  std::string status;                  ///< "active" or "suspended"
  std::vector<int64_t> programme_ids;  ///< the programmes it accepts, ascending
  int64_t created_at_ms = 0;
};

/// A service provider: a shop chain or a library system that links its own
/// IDs to holders' MyKey IDs.
struct Provider {
  int64_t id = 0;
  std::string code;  ///< 1..64 of [a-z0-9_-], unique
  std::string name;  ///< 1..200 bytes
  int64_t created_at_ms = 0;
};

/// True for 1..64 characters of [a-z0-9_-] (programme and provider codes).
bool IsValidPartyCode(std::string_view code) noexcept;

/// The programmes, merchants and providers of a store, and the municipality
/// policy switch. Every call is one store transaction.
///
/// Errors every call may return besides those listed: store errors
/// (kUnavailable, kAborted after retries, ...).
///
/// Thread safety: stateless; safe from any thread (the store serialises).
class PartyDirectory {
 public:
  /// @param store borrowed; migrated with CloudMigrations(); must outlive this
  explicit PartyDirectory(Store& store) : store_(store) {}

  /// Adds a programme of a municipality.
  /// @returns the programme with its id; kInvalidArgument for a bad code,
  ///          name or kind; kNotFound for an unknown municipality;
  ///          kAlreadyExists when the municipality has a programme with the code.
  Result<Programme> AddProgramme(const Programme& programme);
  /// @returns the municipality's programmes by id (all of them for an empty code).
  Result<std::vector<Programme>> ListProgrammes(std::string_view municipality_code);
  /// @returns the programme; kNotFound if there is none with the id.
  Result<Programme> GetProgramme(int64_t id);

  /// Adds a merchant or facility (status "active", accepting nothing yet).
  /// @returns it with its id; kInvalidArgument for a bad name or kind;
  ///          kNotFound for an unknown municipality.
  Result<Merchant> AddMerchant(const Merchant& merchant);
  /// @returns the municipality's merchants by id (all for an empty code).
  Result<std::vector<Merchant>> ListMerchants(std::string_view municipality_code);
  /// @returns the merchant; kNotFound if there is none with the id.
  Result<Merchant> GetMerchant(int64_t id);
  /// Makes the merchant accept (or stop accepting) a programme. Accepting a
  /// programme of another municipality is allowed here; whether its points
  /// may be spent there is the programme municipality's policy.
  /// Idempotent. @returns kNotFound for an unknown merchant or programme.
  Status SetAccepts(int64_t merchant_id, int64_t programme_id, bool accepts);
  /// Suspends (or reactivates) a merchant: the ledger refuses its
  /// redemptions while suspended. Idempotent. @returns kNotFound.
  Status SetMerchantSuspended(int64_t merchant_id, bool suspended);

  /// Adds a provider. @returns it with its id; kInvalidArgument for a bad
  ///          code or name; kAlreadyExists when the code is taken.
  Result<Provider> AddProvider(const Provider& provider);
  /// @returns every provider by id.
  Result<std::vector<Provider>> ListProviders();
  /// @returns the provider; kNotFound if there is none with the id.
  Result<Provider> GetProvider(int64_t id);

  /// Sets whether a municipality's points may be spent at merchants of other
  /// municipalities (off by default). @returns kNotFound.
  Status SetCrossMunicipalityUse(std::string_view municipality_code, bool allowed);

 private:
  Store& store_;
};

}  // namespace mykey::cloud
