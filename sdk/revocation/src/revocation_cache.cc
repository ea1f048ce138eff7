#include "mykey/revocation/revocation_cache.h"

#include <algorithm>
#include <utility>

#include "mykey/base/log.h"

namespace mykey::revocation {
namespace {

constexpr std::string_view kLog = "revocation";

std::chrono::system_clock::time_point SystemNow() {
  return std::chrono::system_clock::now();
}

void Apply(RevocationSet& set, const cloud_client::RevocationFeedEntry& entry) {
  using Kind = cloud_client::RevocationFeedEntry::Kind;
  if (entry.kind == Kind::kRevocation) {
    if (!set.AddSerial(entry.serial)) {
      log::Write(log::Level::kWarning, kLog, "feed serial longer than 20 octets ignored");
    }
  } else if (entry.mykey_id_hash.size() == 32) {
    RevocationSet::Hash hash;
    std::copy_n(entry.mykey_id_hash.begin(), 32, hash.begin());
    if (entry.added) {
      set.AddSuspension(hash);
    } else {
      set.RemoveSuspension(hash);
    }
  }
  set.set_sequence(entry.sequence);
}

}  // namespace

Result<std::unique_ptr<RevocationCache>> RevocationCache::Open(RevocationFeed& feed,
                                                               RevocationCacheOptions options) {
  if (options.path.empty() || options.page_size < 1 || options.page_size > 10000) {
    return Fail(ErrorCode::kInvalidArgument, "revocation file path empty or page size");
  }
  if (!options.now) options.now = SystemNow;
  std::unique_ptr<RevocationCache> cache(new RevocationCache(feed, std::move(options)));
  auto loaded = LoadRevocationFile(cache->options_.path);
  if (loaded) {
    cache->open_state_ = OpenState::kLoaded;
    cache->synced_at_ = loaded->synced_at;
    cache->full_synced_at_ = loaded->full_synced_at;
    cache->set_ = std::make_shared<const RevocationSet>(std::move(loaded->set));
  } else if (loaded.error().code() == ErrorCode::kNotFound) {
    cache->open_state_ = OpenState::kMissing;
  } else if (loaded.error().code() == ErrorCode::kDataLoss ||
             loaded.error().code() == ErrorCode::kUnimplemented) {
    // Never trusted: start empty (and stale); the next Sync() rebuilds from 0.
    cache->open_state_ = OpenState::kCorrupt;
    log::Write(log::Level::kError, kLog,
               std::string("revocation file not used, rebuilt at the next sync: ") +
                   loaded.error().ToString());
  } else {
    return Fail(loaded.error());
  }
  return cache;
}

RevocationCache::RevocationCache(RevocationFeed& feed, RevocationCacheOptions options)
    : feed_(feed), options_(std::move(options)), set_(std::make_shared<const RevocationSet>()) {}

bool RevocationCache::IsRevoked(ByteView serial) const {
  return snapshot()->IsRevoked(serial);
}

bool RevocationCache::IsMyKeyIdSuspended(std::string_view mykey_id) const {
  return snapshot()->IsMyKeyIdSuspended(mykey_id);
}

std::shared_ptr<const RevocationSet> RevocationCache::snapshot() const {
  std::lock_guard lock(mu_);
  return set_;
}

std::optional<std::chrono::system_clock::time_point> RevocationCache::synced_at() const {
  std::lock_guard lock(mu_);
  return synced_at_;
}

bool RevocationCache::IsStale() const {
  const auto at = synced_at();
  if (!at) return true;
  return options_.now() - *at > options_.max_age;
}

Result<SyncReport> RevocationCache::Sync() {
  std::lock_guard lock(sync_mu_);
  return SyncLocked();
}

Result<SyncReport> RevocationCache::SyncLocked() {
  const auto now = options_.now();
  SyncReport report;
  std::shared_ptr<const RevocationSet> current;
  std::optional<std::chrono::system_clock::time_point> full_synced;
  {
    std::lock_guard lock(mu_);
    current = set_;
    full_synced = full_synced_at_;
  }
  report.from_sequence = current->sequence();
  auto next = std::make_unique<RevocationSet>();
  if (open_state_ == OpenState::kCorrupt && !synced_at()) {
    report.full_resync = true;
    report.resync_reason = "corrupt_file";
  } else if (current->sequence() > 0 &&
             (!full_synced || now - *full_synced > options_.full_resync_every)) {
    report.full_resync = true;
    report.resync_reason = "scheduled";
  } else {
    *next = *current;
  }

  std::optional<Error> failure;
  bool restarted = false;
  while (true) {
    const int64_t since = next->sequence();
    auto page = feed_.Page(since, options_.page_size);
    ++report.pages;
    if (!page) {
      failure = page.error();
      break;
    }
    // A page must continue exactly where we are: a first sequence after
    // since + 1 means entries we will never see (the feed was rebuilt or
    // lost entries); a cursor the feed has not reached (next < since) too.
    int64_t expected = since + 1;
    bool gap = page->next < since;
    for (const auto& entry : page->entries) {
      if (entry.sequence != expected) {
        gap = true;
        break;
      }
      ++expected;
    }
    if (gap) {
      if (restarted) {
        failure = Error(ErrorCode::kDataLoss, "the revocation feed has a gap after a full resync");
        break;
      }
      log::Write(log::Level::kWarning, kLog, "revocation feed gap: full resync");
      restarted = true;
      report.full_resync = true;
      report.resync_reason = "gap";
      report.entries = 0;
      next = std::make_unique<RevocationSet>();
      continue;
    }
    for (const auto& entry : page->entries) Apply(*next, entry);
    report.entries += page->entries.size();
    if (!page->more) break;
    if (page->entries.empty()) {
      failure = Error(ErrorCode::kDataLoss, "the revocation feed says more but sent nothing");
      break;
    }
  }

  // A full resync that did not finish must not replace a complete older set
  // with a partial new one.
  if (failure && (report.full_resync || report.entries == 0)) return Fail(*failure);

  next->Seal();
  const int64_t reached = next->sequence();
  // A partial sync keeps the old sync time (the set is behind the feed).
  const std::chrono::system_clock::time_point new_synced =
      failure ? synced_at().value_or(std::chrono::system_clock::time_point{}) : now;
  const std::chrono::system_clock::time_point new_full =
      report.full_resync || !full_synced ? now : *full_synced;
  MYKEY_TRY(SaveRevocationFile(options_.path, *next, new_synced, new_full));
  {
    std::lock_guard lock(mu_);
    set_ = std::shared_ptr<const RevocationSet>(std::move(next));
    if (!failure) synced_at_ = now;
    full_synced_at_ = new_full;
  }
  report.to_sequence = reached;
  if (failure) return Fail(*failure);
  log::Write(log::Level::kInfo, kLog,
             "revocation set synced to sequence " + std::to_string(report.to_sequence));
  return report;
}

}  // namespace mykey::revocation
