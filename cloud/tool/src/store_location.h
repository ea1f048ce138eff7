#pragma once

// Where the cloud's store is: a SQLite file (the embedded default) or a
// PostgreSQL database given as a URI, for several stateless mykey-cloud
// processes on one database.

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/postgres_store/postgres_store.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// True when `location` is a PostgreSQL URI (`postgresql://` or `postgres://`).
bool IsPostgresLocation(std::string_view location) noexcept;

/// Parses `postgresql://[user[:password]@][host][:port]/dbname[?host=/socket/dir]`
/// (percent-escapes decoded). Empty parts take libpq's defaults.
/// @returns kInvalidArgument naming what is malformed.
Result<PostgresStoreOptions> ParsePostgresLocation(std::string_view uri);

/// The location with any password replaced by `***`, for messages and logs.
std::string RedactLocation(std::string_view location);

/// Opens the store at `location` with up to `connections` connections.
/// `create`: a SQLite file may be created (init); a PostgreSQL database must
/// exist (an operator creates it with createdb).
/// @returns kInvalidArgument for a malformed URI; the backends' Open() errors.
Result<std::unique_ptr<Store>> OpenStoreAt(std::string_view location, unsigned connections,
                                           bool create);

/// Opens the store at `location` for a command, checks that it was
/// initialised (`mykey-cloud init`) and brings every schema component up to
/// date. Says on `err` what went wrong.
/// @returns OpenStoreAt() errors; kFailedPrecondition for a store not
///          initialised; migration errors (a newer schema than this program).
Result<std::unique_ptr<Store>> OpenInitialisedStore(const std::string& location,
                                                    unsigned connections, std::ostream& err);

}  // namespace mykey::cloud
