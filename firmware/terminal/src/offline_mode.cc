#include "mykey/terminal/offline_mode.h"

#include <utility>

#include "mykey/base/log.h"
#include "mykey/base/mask.h"

namespace mykey::terminal {
namespace {

constexpr std::string_view kLog = "offline";

}  // namespace

// --- JournalOfflineAuthorizer ---------------------------------------------------------

Result<Bytes> JournalOfflineAuthorizer::NewChallenge() {
  return journal_.NewChallenge();
}

Result<std::optional<std::string>> JournalOfflineAuthorizer::KnownHolder(ByteView certificate_der) {
  return journal_.KnownHolder(certificate_der);
}

void JournalOfflineAuthorizer::RememberHolder(ByteView certificate_der, std::string_view mykey_id) {
  if (auto remembered = journal_.RememberHolder(certificate_der, mykey_id); !remembered) {
    log::Write(log::Level::kWarning, kLog,
               "holder not remembered for offline use: " + remembered.error().ToString());
  }
}

Result<cloud_client::Redemption> JournalOfflineAuthorizer::AuthorizeRedemption(
    const counter::OfflineRedemptionRequest& request) {
  journal::OfflineCardEvidence evidence;
  evidence.certificate_der = request.certificate_der;
  evidence.challenge = request.challenge;
  evidence.signature = request.signature;
  journal::OfflineRedemption redemption;
  redemption.mykey_id = request.mykey_id.value_or("");
  redemption.programme_id = request.programme_id;
  redemption.amount = request.amount;
  redemption.idempotency_key = request.idempotency_key;
  MYKEY_ASSIGN_OR_RETURN(journal::JournalEntry entry, journal_.Authorise(evidence, redemption));
  cloud_client::Redemption out;
  out.idempotency_key = entry.idempotency_key;
  out.operation = "offline_redemption";
  out.programme_id = entry.programme_id;
  out.mykey_id = entry.mykey_id;
  out.amount = entry.amount;
  out.state = "pending";
  out.created_at_ms = entry.created_at_ms;
  return out;
}

std::string JournalOfflineAuthorizer::RefusalName(const Error& error) {
  auto refusal = journal::OfflineRefusalOf(error);
  return refusal ? std::string(journal::OfflineRefusalName(*refusal)) : std::string();
}

// --- OfflineForwarder -----------------------------------------------------------------

OfflineForwarder::OfflineForwarder(journal::Journal& journal, journal::LedgerUplink& uplink,
                                   std::function<void(const journal::JournalCounts&)> on_counts,
                                   std::chrono::milliseconds idle_check)
    : journal_(journal),
      uplink_(uplink),
      on_counts_(std::move(on_counts)),
      idle_check_(idle_check) {}

OfflineForwarder::~OfflineForwarder() {
  Stop();
}

void OfflineForwarder::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void OfflineForwarder::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_all();
}

void OfflineForwarder::NoteJournalled() {
  {
    std::lock_guard lock(mu_);
    journalled_ = true;
  }
  wake_.notify_all();
}

void OfflineForwarder::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int OfflineForwarder::passes() const {
  std::lock_guard lock(mu_);
  return passes_;
}

bool OfflineForwarder::WaitForPasses(int count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return passed_.wait_for(lock, timeout, [&] { return passes_ >= count; });
}

void OfflineForwarder::Loop() {
  bool reachable = true;  // as last seen; nothing seen yet
  while (true) {
    bool poked = false;
    bool journalled = false;
    {
      std::unique_lock lock(mu_);
      if (!poked_ && !journalled_ && !stop_) {
        // Due when the journal says so (backoff), or after idle_check while
        // entries are outstanding; with none outstanding, only a poke wakes it.
        auto next = journal_.NextAttemptAt();
        if (next && *next) {
          auto due = **next;
          auto cap = std::chrono::system_clock::now() + idle_check_;
          wake_.wait_until(lock, std::min(due, cap),
                           [&] { return poked_ || journalled_ || stop_; });
        } else {
          wake_.wait_for(lock, idle_check_, [&] { return poked_ || journalled_ || stop_; });
        }
      }
      if (stop_) return;
      poked = std::exchange(poked_, false);
      journalled = std::exchange(journalled_, false);
    }
    // A poke follows an online success: the cloud answers. A journalled
    // redemption means it did not; forwarding now would only fail.
    if (poked) reachable = true;
    if (journalled && !poked) reachable = false;
    auto counts = journal_.Counts();
    const bool forward = !journalled || poked;
    if (forward && counts && counts->outstanding() > 0) {
      auto report = journal_.Forward(uplink_);
      // A pass also stops at an entry still in its backoff: after a poke (the
      // cloud just answered) that is no sign of an unreachable cloud.
      reachable = poked || (report && !report->stopped);
      if (!report) {
        log::Write(log::Level::kWarning, kLog, "forwarding failed: " + report.error().ToString());
      } else if (report->applied + report->refused + report->unresolved > 0 || report->stopped) {
        log::Write(log::Level::kInfo, kLog,
                   "forwarded: " + std::to_string(report->applied) + " applied, " +
                       std::to_string(report->refused) + " refused, " +
                       std::to_string(report->unresolved) + " unresolved, " +
                       std::to_string(report->remaining) + " outstanding" +
                       (report->stopped ? " (cloud not reachable; retrying later)" : ""));
      }
      counts = journal_.Counts();
    }
    if (counts && on_counts_) on_counts_(*counts);
    if (counts && queue_listener_) {
      counter::OfflineQueueState state;
      state.pending = counts->outstanding();
      state.cloud_reachable = reachable;
      if (!reported_ || reported_->pending != state.pending ||
          reported_->cloud_reachable != state.cloud_reachable) {
        reported_ = state;
        queue_listener_(state);
      }
    }
    {
      std::lock_guard lock(mu_);
      ++passes_;
    }
    passed_.notify_all();
  }
}

// --- ForwardingExecutor ---------------------------------------------------------------

OperationResult ForwardingExecutor::Execute(const OperationRequest& request,
                                            FlowObserver& observer) {
  OperationResult result = inner_.Execute(request, observer);
  if (result.state == OperationState::kDone && !result.offline) forwarder_.Poke();
  if (result.state == OperationState::kDone && result.offline) forwarder_.NoteJournalled();
  return result;
}

// --- Inspection -----------------------------------------------------------------------

std::string JournalCountsText(const journal::JournalCounts& counts) {
  std::string out;
  out += "pending: " + std::to_string(counts.pending) + "\n";
  out += "sending: " + std::to_string(counts.sending) + "\n";
  out += "applied: " + std::to_string(counts.applied) + "\n";
  out += "refused: " + std::to_string(counts.refused) + "\n";
  out += "unresolved: " + std::to_string(counts.unresolved) + "\n";
  out += "outstanding: " + std::to_string(counts.outstanding()) + "\n";
  out += "outstanding_points: " + std::to_string(counts.outstanding_points) + "\n";
  if (counts.oldest_outstanding_ms) {
    out += "oldest_outstanding_ms: " + std::to_string(*counts.oldest_outstanding_ms) + "\n";
  }
  return out;
}

std::string JournalListText(const std::vector<journal::JournalEntry>& entries) {
  std::string out;
  for (const auto& entry : entries) {
    out += std::to_string(entry.id) + " " + entry.idempotency_key + " " +
           std::string(journal::EntryStateName(entry.state)) + " " +
           MaskIdentifier(entry.mykey_id) + " programme " + std::to_string(entry.programme_id) +
           " amount " + std::to_string(entry.amount) + " attempts " +
           std::to_string(entry.attempts);
    if (entry.redemption_id != 0) out += " redemption " + std::to_string(entry.redemption_id);
    if (!entry.reason.empty()) out += " reason " + entry.reason;
    out += "\n";
  }
  return out;
}

}  // namespace mykey::terminal
