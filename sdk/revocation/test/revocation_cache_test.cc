#include "mykey/revocation/revocation_cache.h"

#include <fstream>
#include <map>

#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey::revocation {
namespace {

using cloud_client::RevocationFeedEntry;
using cloud_client::RevocationFeedPage;
using Clock = std::chrono::system_clock;

RevocationFeedEntry Revoked(int64_t seq, Bytes serial) {
  RevocationFeedEntry entry;
  entry.sequence = seq;
  entry.kind = RevocationFeedEntry::Kind::kRevocation;
  entry.serial = std::move(serial);
  return entry;
}

RevocationFeedEntry Suspension(int64_t seq, std::string_view id, bool added) {
  RevocationFeedEntry entry;
  entry.sequence = seq;
  entry.kind = RevocationFeedEntry::Kind::kSuspension;
  entry.added = added;
  const auto hash =
      crypto::Sha256(ByteView(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
  entry.mykey_id_hash.assign(hash.begin(), hash.end());
  return entry;
}

/// A feed in memory that pages like the cloud's, records the cursors asked
/// for, and can fail a given request.
class FakeFeed final : public RevocationFeed {
 public:
  std::vector<RevocationFeedEntry> entries;
  std::vector<int64_t> asked;
  int fail_request = -1;  // index of the request to fail

  void Revoke(Bytes serial) { entries.push_back(Revoked(Last() + 1, std::move(serial))); }
  void Suspend(std::string_view id, bool added) {
    entries.push_back(Suspension(Last() + 1, id, added));
  }
  int64_t Last() const { return entries.empty() ? 0 : entries.back().sequence; }

  Result<RevocationFeedPage> Page(int64_t since, int limit) override {
    const int index = static_cast<int>(asked.size());
    asked.push_back(since);
    if (index == fail_request) return Fail(ErrorCode::kUnavailable, "feed down");
    RevocationFeedPage page;
    for (const auto& entry : entries) {
      if (entry.sequence <= since) continue;
      if (page.entries.size() == static_cast<size_t>(limit)) {
        page.more = true;
        break;
      }
      page.entries.push_back(entry);
    }
    page.next = page.entries.empty() ? since : page.entries.back().sequence;
    return page;
  }
};

struct Fixture {
  testing::TempDir dir{"mykey-revocation"};
  FakeFeed feed;
  Clock::time_point now = Clock::time_point(std::chrono::hours(24 * 20000));

  RevocationCacheOptions Options() {
    RevocationCacheOptions options;
    options.path = dir.File("revocations.bin");
    options.page_size = 2;
    options.now = [this] { return now; };
    return options;
  }
  std::unique_ptr<RevocationCache> Open() {
    auto cache = RevocationCache::Open(feed, Options());
    REQUIRE(cache);
    return std::move(*cache);
  }
};

TEST_CASE("The first sync pages through the whole feed and the set answers") {
  Fixture f;
  for (uint8_t i = 1; i <= 5; ++i) f.feed.Revoke(Bytes{0x10, i});
  f.feed.Suspend("ABCD2345", true);
  auto cache = f.Open();
  CHECK(cache->open_state() == OpenState::kMissing);
  CHECK(cache->IsStale());
  auto report = cache->Sync();
  REQUIRE(report);
  CHECK(report->entries == 6);
  CHECK(report->pages == 3);
  CHECK(report->to_sequence == 6);
  CHECK_FALSE(report->full_resync);
  CHECK(cache->IsRevoked(Bytes{0x10, 0x03}));
  CHECK_FALSE(cache->IsRevoked(Bytes{0x10, 0x06}));
  CHECK(cache->IsMyKeyIdSuspended("ABCD2345"));
  CHECK_FALSE(cache->IsStale());
}

TEST_CASE("A later sync asks only for entries after the last sequence") {
  Fixture f;
  f.feed.Revoke(Bytes{0x01});
  f.feed.Revoke(Bytes{0x02});
  auto cache = f.Open();
  REQUIRE(cache->Sync());
  f.feed.asked.clear();
  f.feed.Suspend("ABCD2345", true);
  f.feed.Suspend("ABCD2345", false);
  auto report = cache->Sync();
  REQUIRE(report);
  CHECK(f.feed.asked.front() == 2);
  CHECK(report->entries == 2);
  CHECK_FALSE(cache->IsMyKeyIdSuspended("ABCD2345"));
}

TEST_CASE("The set survives a reopen from its file") {
  Fixture f;
  f.feed.Revoke(Bytes{0xAA, 0xBB});
  f.feed.Revoke(Bytes(12, 0x42));
  f.feed.Suspend("ZZZZ9999", true);
  REQUIRE(f.Open()->Sync());
  auto reopened = f.Open();
  CHECK(reopened->open_state() == OpenState::kLoaded);
  CHECK(reopened->IsRevoked(Bytes{0xAA, 0xBB}));
  CHECK(reopened->IsRevoked(Bytes(12, 0x42)));
  CHECK(reopened->IsMyKeyIdSuspended("ZZZZ9999"));
  CHECK(reopened->snapshot()->sequence() == 3);
  CHECK_FALSE(reopened->IsStale());
}

TEST_CASE("A corrupt file is reported, not trusted, and rebuilt from the feed") {
  Fixture f;
  f.feed.Revoke(Bytes{0x01});
  f.feed.Revoke(Bytes{0x02});
  REQUIRE(f.Open()->Sync());
  {
    std::fstream file(f.dir.File("revocations.bin"),
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(70);
    file.put('\x55');
  }
  auto cache = f.Open();
  CHECK(cache->open_state() == OpenState::kCorrupt);
  CHECK_FALSE(cache->IsRevoked(Bytes{0x01}));
  CHECK(cache->IsStale());
  f.feed.asked.clear();
  auto report = cache->Sync();
  REQUIRE(report);
  CHECK(report->full_resync);
  CHECK(report->resync_reason == "corrupt_file");
  CHECK(f.feed.asked.front() == 0);
  CHECK(cache->IsRevoked(Bytes{0x01}));
  CHECK(f.Open()->open_state() == OpenState::kLoaded);
}

TEST_CASE("Loading reports a missing, truncated or altered file") {
  testing::TempDir dir{"mykey-revocation"};
  CHECK(LoadRevocationFile(dir.File("none")).error().code() == ErrorCode::kNotFound);
  RevocationSet set;
  REQUIRE(set.AddSerial(Bytes{0x07}));
  set.Seal();
  const std::string path = dir.File("set.bin");
  REQUIRE(SaveRevocationFile(path, set, Clock::time_point{}, Clock::time_point{}));
  REQUIRE(LoadRevocationFile(path));
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  dir.Write("short.bin", bytes.substr(0, bytes.size() - 1));
  CHECK(LoadRevocationFile(dir.File("short.bin")).error().code() == ErrorCode::kDataLoss);
  std::string altered = bytes;
  altered[0] = 'X';
  dir.Write("magic.bin", altered);
  CHECK(LoadRevocationFile(dir.File("magic.bin")).error().code() == ErrorCode::kDataLoss);
  altered = bytes;
  altered[12] ^= 1;  // the sequence: caught by the checksum
  dir.Write("sum.bin", altered);
  CHECK(LoadRevocationFile(dir.File("sum.bin")).error().code() == ErrorCode::kDataLoss);
}

TEST_CASE("A gap in the feed makes a full resync") {
  Fixture f;
  f.feed.Revoke(Bytes{0x01});
  f.feed.Revoke(Bytes{0x02});
  auto cache = f.Open();
  REQUIRE(cache->Sync());
  // The cloud lost entry 3: the next page starts at 4.
  f.feed.Revoke(Bytes{0x03});
  f.feed.Revoke(Bytes{0x04});
  f.feed.entries.erase(f.feed.entries.begin() + 2);
  f.feed.asked.clear();
  auto report = cache->Sync();
  // Even from 0 the feed still skips 3: refused, the old set stays.
  REQUIRE_FALSE(report);
  CHECK(report.error().code() == ErrorCode::kDataLoss);
  CHECK(cache->IsRevoked(Bytes{0x02}));
  CHECK(f.feed.asked == std::vector<int64_t>{2, 0, 2});
}

TEST_CASE("A feed rebuilt with fewer entries than our cursor makes a full resync") {
  Fixture f;
  for (uint8_t i = 1; i <= 4; ++i) f.feed.Revoke(Bytes{i});
  auto cache = f.Open();
  REQUIRE(cache->Sync());
  f.feed.entries.clear();
  f.feed.Revoke(Bytes{0x09});
  // A page after 4 from a feed that ends at 1: next (4) is not behind, but
  // the fake answers next = since; emulate the cloud answering its own end.
  struct Behind final : RevocationFeed {
    FakeFeed& inner;
    explicit Behind(FakeFeed& feed) : inner(feed) {}
    Result<RevocationFeedPage> Page(int64_t since, int limit) override {
      auto page = inner.Page(since, limit);
      if (page && page->entries.empty() && since > inner.Last()) page->next = inner.Last();
      return page;
    }
  } behind(f.feed);
  auto options = f.Options();
  auto reopened = RevocationCache::Open(behind, options);
  REQUIRE(reopened);
  auto report = (*reopened)->Sync();
  REQUIRE(report);
  CHECK(report->full_resync);
  CHECK(report->resync_reason == "gap");
  CHECK((*reopened)->IsRevoked(Bytes{0x09}));
  CHECK_FALSE((*reopened)->IsRevoked(Bytes{0x01}));
}

TEST_CASE("A sync that fails midway keeps the pages it applied and continues from there") {
  Fixture f;
  for (uint8_t i = 1; i <= 5; ++i) f.feed.Revoke(Bytes{i});
  auto cache = f.Open();
  f.feed.fail_request = 1;
  auto failed = cache->Sync();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code() == ErrorCode::kUnavailable);
  CHECK(cache->IsRevoked(Bytes{0x02}));
  CHECK(cache->IsStale());
  f.feed.fail_request = -1;
  f.feed.asked.clear();
  REQUIRE(cache->Sync());
  CHECK(f.feed.asked.front() == 2);
  CHECK(cache->IsRevoked(Bytes{0x05}));
  CHECK_FALSE(cache->IsStale());
}

TEST_CASE("The set turns stale after max_age without a sync") {
  Fixture f;
  f.feed.Revoke(Bytes{0x01});
  auto cache = f.Open();
  REQUIRE(cache->Sync());
  f.now += std::chrono::hours(47);
  CHECK_FALSE(cache->IsStale());
  f.now += std::chrono::hours(2);
  CHECK(cache->IsStale());
}

TEST_CASE("A full resync happens on schedule even without a visible gap") {
  Fixture f;
  f.feed.Revoke(Bytes{0x01});
  auto cache = f.Open();
  REQUIRE(cache->Sync());
  f.now += std::chrono::hours(24 * 7 + 1);
  f.feed.asked.clear();
  auto report = cache->Sync();
  REQUIRE(report);
  CHECK(report->full_resync);
  CHECK(report->resync_reason == "scheduled");
  CHECK(f.feed.asked.front() == 0);
  f.feed.asked.clear();
  REQUIRE(cache->Sync());
  CHECK(f.feed.asked.front() == 1);
}

TEST_CASE(
    "The schedule is due at first, after the interval, sooner after a failure, or on demand") {
  SyncSchedule schedule(std::chrono::hours(24), std::chrono::minutes(15));
  const Clock::time_point t0 = Clock::time_point(std::chrono::hours(1000));
  CHECK(schedule.Due(t0));
  schedule.Record(t0, true);
  CHECK_FALSE(schedule.Due(t0 + std::chrono::hours(23)));
  CHECK(schedule.Due(t0 + std::chrono::hours(24)));
  schedule.Request();
  CHECK(schedule.Due(t0 + std::chrono::minutes(1)));
  schedule.Record(t0, false);
  CHECK_FALSE(schedule.Due(t0 + std::chrono::minutes(14)));
  CHECK(schedule.Due(t0 + std::chrono::minutes(15)));
}

}  // namespace
}  // namespace mykey::revocation
