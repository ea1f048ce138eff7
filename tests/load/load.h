#pragma once

// mykey-load: the pieces its commands share (state directory, store
// specification, the commands themselves). See README.md.

#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/http_client/http_transport.h"
#include "mykey/store/store.h"

namespace mykey::load {

/// Where the cloud's store is: "sqlite:PATH" or "postgres:DBNAME" (the
/// server from the file named by $MYKEY_POSTGRES_CONNECTION, the format of
/// tests/system/postgres_fixture.sh).
///
/// Thread safety: a value type; not synchronised.
struct StoreSpec {
  enum class Kind : uint8_t { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string where;  ///< the SQLite file or the PostgreSQL database name
};

/// @returns kInvalidArgument for another form.
Result<StoreSpec> ParseStoreSpec(std::string_view text);

/// Opens the store (creating the PostgreSQL database when `create`).
/// @returns kUnavailable if the server or file cannot be reached;
///          kInvalidArgument if $MYKEY_POSTGRES_CONNECTION is missing or malformed.
Result<std::unique_ptr<cloud::Store>> OpenStore(const StoreSpec& spec, unsigned connections,
                                                bool create);

/// Migrates every schema component mykey-cloud serves (core, auth, ledger, registry).
Status MigrateAll(cloud::Store& store);

/// One holder: a test-JPKI card (its auth certificate and the key its SIGN
/// uses) and the MyKey ID made with it.
///
/// Thread safety: a value type; not synchronised.
struct HolderRecord {
  uint32_t index = 0;
  std::string certificate_file;  ///< DER, relative to the state directory
  std::string key_file;          ///< DER (PKCS#1), relative to the state directory
  std::string mykey_id;          ///< empty until `enrol`
  int64_t granted = 0;           ///< points granted by `enrol`
  std::string grant_key;         ///< the grant's idempotency key
};

/// One enrolled terminal: its identity files (relative to the state directory).
///
/// Thread safety: a value type; not synchronised.
struct TerminalRecord {
  std::string terminal_id;
  std::string key_file;
  std::string id_file;
};

/// DIR/state.json: what `init` and `enrol` made, for `run` and `reconcile`.
///
/// Thread safety: a value type; not synchronised.
struct LoadState {
  std::string dir;  ///< not stored: where it was read from
  std::string store;
  std::string municipality_code = "131016";
  int64_t programme_id = 1;
  int64_t merchant_id = 1;
  std::string admin_token;
  std::string municipality_token;
  std::vector<HolderRecord> holders;
  std::vector<TerminalRecord> terminals;

  std::string Path(std::string_view relative) const { return dir + "/" + std::string(relative); }
};

/// @returns kNotFound if DIR/state.json is absent; kDataLoss if it does not parse.
Result<LoadState> ReadState(const std::string& dir);
/// Writes DIR/state.json (mode 0600: it holds operator tokens), via a rename.
Status WriteState(const LoadState& state);

/// A client of enrolled terminal `index` at `url` (its identity files from the state).
/// @returns the errors of LoadTerminalIdentity() and CloudClient::Create().
Result<std::unique_ptr<cloud_client::CloudClient>> TerminalClient(
    const LoadState& state, size_t index, http_client::HttpTransport& transport,
    const std::string& url, int max_attempts);

/// The commands (exit codes: 0 ok, 1 failure, 2 usage, 3 reconciliation failed).
int InitCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);
int ServeCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);
int EnrolCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);
int RunCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);
int ReconcileCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);
int ProxyCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitMismatch = 3;

/// `--name value` and `--flag` options of one command.
///
/// Thread safety: a value type; not synchronised.
class Flags {
 public:
  /// @returns false (and a message on `err`) for an unknown option or a missing value.
  bool Parse(std::span<const std::string> args, std::span<const std::string_view> with_value,
             std::span<const std::string_view> switches, std::ostream& err);
  bool Has(std::string_view name) const;
  std::string Value(std::string_view name, std::string_view fallback = {}) const;
  /// @returns false (and a message) if present and not a number in [low, high].
  bool Number(std::string_view name, double low, double high, double& value,
              std::ostream& err) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

}  // namespace mykey::load
