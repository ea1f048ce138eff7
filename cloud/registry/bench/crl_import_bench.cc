// Prints how long a CRL import takes into a fresh SQLite store (durable
// commits): build (test JPKI), import, re-import of the same CRL, and the
// store's size. Usage: mykey_registry_crl_bench [serials] (default 100000).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/crypto/crl.h"
#include "mykey/registry/registry.h"
#include "mykey/registry/schema.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/testjpki/test_pki.h"

namespace {

using namespace mykey;
using namespace mykey::cloud;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Run(size_t count) {
  auto pki = testjpki::TestPki::Create("crl-bench", {2023});
  if (!pki) return 1;
  testjpki::CrlOptions options;
  options.this_update = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  options.random_count = count;
  auto start = Clock::now();
  auto crl = pki->MakeCrl(options);
  if (!crl) return 1;
  std::printf("CRL with %zu serials: %zu bytes DER, built in %.2f s\n", count, crl->size(),
              SecondsSince(start));

  start = Clock::now();
  auto parsed = crypto::Crl::FromDer(*crl);
  if (!parsed) return 1;
  std::printf("parse alone: %.3f s\n", SecondsSince(start));

  cloud::testing::TempDir dir;
  SqliteStoreOptions store_options;
  store_options.path = dir.File("cloud.db");
  auto store = SqliteStore::Open(store_options);
  if (!store || !Migrate(**store, CloudMigrations()) ||
      !Migrate(**store, kRegistrySchema, RegistryMigrations())) {
    return 1;
  }
  RegistryConfig config;
  for (const auto& ca : pki->CaCertificates(testjpki::CaKind::kAuth)) {
    config.auth_ca_certificates.emplace_back(ca.der().begin(), ca.der().end());
  }
  auto registry = RegistryService::Create(**store, config);
  if (!registry) return 1;

  start = Clock::now();
  auto report = (*registry)->ImportCrl(*crl);
  const double first = SecondsSince(start);
  if (!report) {
    std::fprintf(stderr, "import failed: %s\n", report.error().ToString().c_str());
    return 1;
  }
  std::printf(
      "import (parse, verify, %zu new serials in one transaction): %.3f s, %.0f serials/s\n",
      report->added, first, static_cast<double>(report->added) / first);
  start = Clock::now();
  auto again = (*registry)->ImportCrl(*crl);
  const double second = SecondsSince(start);
  if (!again) return 1;
  std::printf("re-import of the same CRL (%zu new): %.3f s\n", again->added, second);
  start = Clock::now();
  auto page = (*registry)->Revocations(0, 10000);
  if (!page) return 1;
  std::printf("feed page of %zu entries: %.3f s\n", page->entries.size(), SecondsSince(start));
  std::error_code ignored;
  const auto db = std::filesystem::file_size(dir.File("cloud.db"), ignored);
  const auto wal = std::filesystem::file_size(dir.File("cloud.db-wal"), ignored);
  std::printf("store: %.1f MB (db %ju + wal %ju bytes), %.1f bytes per serial\n",
              static_cast<double>(db + wal) / 1e6, static_cast<uintmax_t>(db),
              static_cast<uintmax_t>(wal),
              static_cast<double>(db + wal) / static_cast<double>(count));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  return Run(count);
}
