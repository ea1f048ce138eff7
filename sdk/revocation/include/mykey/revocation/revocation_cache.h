#pragma once

// RevocationCache: the terminal's revocation set, kept in a file and synced
// from the cloud's numbered feed (GET /v1/revocations). Authentication checks
// it online as a first filter and offline as the only source.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/revocation/revocation_set.h"

namespace mykey::revocation {

/// Where the feed comes from (CloudRevocationFeed in production, a fake in tests).
///
/// Thread safety: implementations are called from one thread at a time.
class RevocationFeed {
 public:
  virtual ~RevocationFeed() = default;
  /// The entries after `since`, at most `limit`, in sequence order.
  /// @returns the page, or the source's error (unreachable, refused...).
  virtual Result<cloud_client::RevocationFeedPage> Page(int64_t since, int limit) = 0;
};

/// The feed over CloudClient::Revocations().
///
/// Thread safety: as CloudClient (concurrent calls are fine).
class CloudRevocationFeed final : public RevocationFeed {
 public:
  /// @param client borrowed; must outlive the feed
  explicit CloudRevocationFeed(cloud_client::CloudClient& client) : client_(client) {}
  Result<cloud_client::RevocationFeedPage> Page(int64_t since, int limit) override {
    return client_.Revocations(since, limit);
  }

 private:
  cloud_client::CloudClient& client_;
};

/// The set's file: "MYKEYRVS", format version (1), sequence, last sync and
/// last full sync times, counts, the sorted contents, and a SHA-256 over all
/// of it (all numbers big-endian). Written to `path.tmp`, fsync'd, renamed
/// over `path`, its directory fsync'd: a crash leaves the old or the new file.
struct RevocationFile {
  RevocationSet set;                                     ///< sealed
  std::chrono::system_clock::time_point synced_at;       ///< last sync to the feed's end
  std::chrono::system_clock::time_point full_synced_at;  ///< last sync from sequence 0
};

/// Writes `set` (sealed) and its sync times to `path` atomically.
/// @returns Ok; kUnavailable (domain kOs) if the file cannot be written.
Status SaveRevocationFile(const std::string& path, const RevocationSet& set,
                          std::chrono::system_clock::time_point synced_at,
                          std::chrono::system_clock::time_point full_synced_at);

/// @returns the set; kNotFound if there is no file; kDataLoss if it is
///          truncated, has a bad magic, checksum or counts, or unsorted
///          contents; kUnimplemented for another format version;
///          kUnavailable (domain kOs) if it cannot be read.
Result<RevocationFile> LoadRevocationFile(const std::string& path);

/// How a cache behaves.
///
/// Thread safety: a value type.
struct RevocationCacheOptions {
  /// The set's file (its directory must exist and be writable).
  std::string path;
  /// Entries per feed request (1..10000).
  int page_size = 1000;
  /// A sync older than this makes the set "stale" (offline authorisation refuses).
  std::chrono::hours max_age{48};
  /// Even without a visible gap, a full resync after this long (a cloud whose
  /// feed was rebuilt and has grown past our cursor cannot be told apart
  /// from one that has not).
  std::chrono::hours full_resync_every{24 * 7};
  /// The clock. Default: the system clock.
  std::function<std::chrono::system_clock::time_point()> now;
};

/// What a Sync() did.
struct SyncReport {
  int64_t from_sequence = 0;  ///< the cursor before
  int64_t to_sequence = 0;    ///< the cursor after
  size_t entries = 0;         ///< feed entries applied
  size_t pages = 0;           ///< feed requests made
  bool full_resync = false;   ///< the set was rebuilt from sequence 0
  /// Why it was rebuilt: "gap" (the feed skipped numbers: reset or lost
  /// entries), "corrupt_file", "scheduled", or empty.
  std::string resync_reason;
};

/// What happened when the cache opened its file.
enum class OpenState : uint8_t {
  kLoaded,   ///< the file was read and its checksum verified
  kMissing,  ///< no file yet: empty set, the first Sync() fetches everything
  kCorrupt,  ///< the file was corrupt or of another version: empty set, rebuilt at the next Sync()
};

/// The terminal's revocation cache.
///
/// Lookups read an immutable snapshot and never wait for a sync; a sync
/// builds the next set beside the current one, writes the file, then swaps.
/// Until the first successful sync of a missing or corrupt file the set is
/// empty and stale (never silently trusted).
///
/// Thread safety: all methods may be called concurrently; Sync() calls are
/// serialised.
class RevocationCache {
 public:
  /// Opens the cache: loads `options.path` if present.
  /// @param feed borrowed; must outlive the cache
  /// @returns the cache (a corrupt file is not an error: open_state() says
  ///          kCorrupt and it is logged); kInvalidArgument for an empty path or
  ///          a page size out of range; kUnavailable if the file exists but
  ///          cannot be read.
  static Result<std::unique_ptr<RevocationCache>> Open(RevocationFeed& feed,
                                                       RevocationCacheOptions options);

  RevocationCache(const RevocationCache&) = delete;
  RevocationCache& operator=(const RevocationCache&) = delete;

  /// Brings the set up to the feed's end: pages from the last sequence,
  /// checks that sequences follow each other with no gap (a gap or a cursor
  /// ahead of the feed makes it start again from 0, once per call), applies,
  /// writes the file and publishes the new set. If a page fails after some
  /// pages were applied, those are kept (written and published) and the
  /// error is returned; the next Sync() continues from there.
  /// @returns the report; the feed's error (e.g. CloudErrorCode kUnreachable);
  ///          kDataLoss if the feed still has a gap after a full resync;
  ///          kUnavailable (domain kOs) if the file cannot be written (the
  ///          new set is then not published).
  Result<SyncReport> Sync();

  /// True if `serial` is in the current set.
  bool IsRevoked(ByteView serial) const;
  /// True if `mykey_id` is suspended in the current set.
  bool IsMyKeyIdSuspended(std::string_view mykey_id) const;

  /// The current set (immutable; valid as long as it is held).
  std::shared_ptr<const RevocationSet> snapshot() const;
  /// When the current set was last synced to the feed's end (nullopt: never).
  std::optional<std::chrono::system_clock::time_point> synced_at() const;
  /// True if never synced or synced longer than max_age ago.
  bool IsStale() const;
  OpenState open_state() const { return open_state_; }

 private:
  RevocationCache(RevocationFeed& feed, RevocationCacheOptions options);
  Result<SyncReport> SyncLocked();

  RevocationFeed& feed_;
  RevocationCacheOptions options_;
  OpenState open_state_ = OpenState::kMissing;
  std::mutex sync_mu_;
  mutable std::mutex mu_;
  std::shared_ptr<const RevocationSet> set_;
  std::optional<std::chrono::system_clock::time_point> synced_at_;
  std::optional<std::chrono::system_clock::time_point> full_synced_at_;
};

/// When the host should sync: daily (or every `interval`), sooner after a
/// failure (`retry_after`), and at once on demand.
///
/// Thread safety: not synchronised; a value type owned by one scheduler.
class SyncSchedule {
 public:
  SyncSchedule(std::chrono::seconds interval = std::chrono::hours(24),
               std::chrono::seconds retry_after = std::chrono::minutes(15))
      : interval_(interval), retry_after_(retry_after) {}

  /// True if a sync is due at `now` (never synced, asked for, or the time has come).
  bool Due(std::chrono::system_clock::time_point now) const {
    return requested_ || !next_ || now >= *next_;
  }
  /// Asks for a sync at the next Due() check.
  void Request() { requested_ = true; }
  /// Records a finished sync.
  void Record(std::chrono::system_clock::time_point now, bool succeeded) {
    requested_ = false;
    next_ = now + (succeeded ? interval_ : retry_after_);
  }
  /// When the next sync is due (nullopt: now).
  std::optional<std::chrono::system_clock::time_point> next() const { return next_; }

 private:
  std::chrono::seconds interval_;
  std::chrono::seconds retry_after_;
  bool requested_ = false;
  std::optional<std::chrono::system_clock::time_point> next_;
};

}  // namespace mykey::revocation
