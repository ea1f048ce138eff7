#include "mykey/voucher/voucher_issuer.h"

#include <utility>

#include "mykey/base/log.h"
#include "mykey/base/mask.h"
#include "mykey/cloud_client/cloud_error.h"
#include "mykey/protocol/voucher_serial.h"

namespace mykey::voucher {

namespace {

constexpr size_t kMaxIssueKey = 200;
/// Rounds of the confirmation of a printed voucher (each with the client's own retries):
/// voiding a voucher the customer holds is the worst outcome, so it is asked harder.
constexpr int kConfirmRounds = 3;

/// Runs a value-moving cloud step; an answer lost once is asked again with
/// the same key (safe: the cloud answers the stored result).
template <typename Step>
auto Twice(Step step) -> decltype(step()) {
  auto first = step();
  if (first || cloud_client::CloudErrorCodeOf(first.error()) !=
                   cloud_client::CloudErrorCode::kOutcomeUnknown) {
    return first;
  }
  return step();
}

/// The cloud did not take the call (or its answer was lost): asking again may succeed.
bool NotReached(const Error& error) {
  const cloud_client::CloudErrorCode code = cloud_client::CloudErrorCodeOf(error);
  return code == cloud_client::CloudErrorCode::kOutcomeUnknown ||
         code == cloud_client::CloudErrorCode::kUnreachable ||
         code == cloud_client::CloudErrorCode::kCloudUnavailable;
}

IssueState StateOf(const cloud_client::CloudVoucher& voucher) {
  if (voucher.state == "issued" || voucher.state == "redeemed" || voucher.state == "expired") {
    return IssueState::kIssued;
  }
  if (voucher.state == "voided") return IssueState::kVoided;
  return IssueState::kPendingPrint;
}

}  // namespace

const char* IssueStateName(IssueState state) noexcept {
  switch (state) {
    case IssueState::kIssued: return "issued";
    case IssueState::kVoided: return "voided";
    case IssueState::kPendingPrint: return "pending_print";
  }
  return "pending_print";
}

VoucherIssuer::VoucherIssuer(cloud_client::CloudClient& cloud, printer::PrinterPort& port,
                             VoucherIssuerOptions options)
    : cloud_(cloud),
      port_(port),
      options_(std::move(options)),
      encoder_(std::make_unique<receipt::EscPosEncoder>(options_.profile, options_.rasterizer)) {}

VoucherIssuer::~VoucherIssuer() = default;

Result<Bytes> VoucherIssuer::EncodeVoucher(const cloud_client::CloudVoucher& voucher,
                                           VoucherPrintData look, bool duplicate) {
  look.token = voucher.token;
  look.reprint_of.reset();
  if (duplicate) {
    MYKEY_ASSIGN_OR_RETURN(look.reprint_of, protocol::VoucherSerial::Parse(voucher.serial));
  }
  MYKEY_ASSIGN_OR_RETURN(receipt::Document document, BuildVoucherDocument(look, options_.profile));
  MYKEY_ASSIGN_OR_RETURN(receipt::EncodedReceipt encoded, encoder_->Encode(document));
  return std::move(encoded.bytes);
}

Status VoucherIssuer::CheckProofOfPrint() {
  MYKEY_TRY(port_.Open());
  if (!port_.two_way()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "voucher: the printer cannot report its status (a one-way port), so no print "
                "could be confirmed; vouchers need a two-way printer");
  }
  return Ok();
}

Result<IssuedVoucher> VoucherIssuer::Confirm(IssuedVoucher issued) {
  const std::string serial = issued.voucher.serial;
  const std::string key = issued.issue_key + ".confirm";
  Result<cloud_client::CloudVoucher> confirmed = cloud_.ConfirmVoucherPrinted(serial, key);
  for (int round = 1; round < kConfirmRounds && !confirmed && NotReached(confirmed.error());
       ++round) {
    confirmed = cloud_.ConfirmVoucherPrinted(serial, key);  // the same key: idempotent
  }
  if (!confirmed && NotReached(confirmed.error())) {
    // Printed, not recorded: never void it; remembered so that Resume() confirms it.
    log::Write(log::Level::kWarning, "voucher",
               "voucher " + MaskIdentifier(serial) +
                   " printed but the cloud did not take its confirmation: " +
                   confirmed.error().ToString() + "; confirm it again, never void it");
    printed_unconfirmed_.insert_or_assign(issued.issue_key, serial);
    issued.confirmation_pending = true;
    issued.state = IssueState::kPendingPrint;
    return issued;
  }
  printed_unconfirmed_.erase(issued.issue_key);
  if (!confirmed) return Fail(confirmed.error());
  issued.voucher = std::move(*confirmed);
  issued.confirmation_pending = false;
  issued.state = StateOf(issued.voucher);
  return issued;
}

Result<IssuedVoucher> VoucherIssuer::PrintAndSettle(IssuedVoucher issued,
                                                    const VoucherPrintData& look, bool duplicate,
                                                    OnPrintFailure on_failure) {
  issued.printed_duplicate = duplicate;
  issued.job = printer::JobOutcome{};
  issued.job_error.reset();
  const std::string serial = issued.voucher.serial;
  // The voucher is out at the cloud: from here on every failure is settled and answered with
  // the IssuedVoucher (its issue key), never a bare error.
  Result<Bytes> bytes = EncodeVoucher(issued.voucher, look, duplicate);
  if (!bytes) {
    issued.job.refused_before_write = true;
    issued.job_error = bytes.error();
  } else {
    issued.jobs += 1;
    Result<printer::JobOutcome> job = printer::PrintJob(port_, *bytes, options_.job);
    if (job) {
      // A transport lost after bytes went out is an unconfirmed outcome carrying its error:
      // the paper may exist.
      issued.job = *job;
      issued.job_error = job->error;
    } else {
      // PrintJob() fails only when no byte of the job was written: nothing printed.
      issued.job.result = printer::JobResult::kNotPrinted;
      issued.job.refused_before_write = true;
      issued.job_error = job.error();
    }
  }
  if (issued.job.printed()) return Confirm(std::move(issued));
  return SettleUnprinted(std::move(issued), on_failure);
}

Result<IssuedVoucher> VoucherIssuer::SettleUnprinted(IssuedVoucher issued,
                                                     OnPrintFailure on_failure) {
  const std::string serial = issued.voucher.serial;
  log::Write(log::Level::kWarning, "voucher",
             std::string("voucher ") + MaskIdentifier(serial) + " not printed (" +
                 printer::JobResultName(issued.job.result) +
                 (issued.job_error ? ": " + issued.job_error->ToString() : std::string()) +
                 "): " + (on_failure == OnPrintFailure::kVoid ? "voiding it" : "kept pending"));
  if (on_failure == OnPrintFailure::kVoid) {
    MYKEY_ASSIGN_OR_RETURN(issued.voucher, Twice([&] {
                             return cloud_.VoidVoucher(serial, issued.issue_key + ".void");
                           }));
  }
  issued.state = StateOf(issued.voucher);
  return issued;
}

Result<IssuedVoucher> VoucherIssuer::Issue(cloud_client::VoucherIssueRequest request,
                                           const VoucherPrintData& look,
                                           OnPrintFailure on_failure) {
  if (request.idempotency_key.size() > kMaxIssueKey) {
    return Fail(ErrorCode::kInvalidArgument, "an issue key has at most 200 characters");
  }
  // Before the cloud moves any value: a voucher that cannot be proven printed is not issued.
  MYKEY_TRY(CheckProofOfPrint());
  if (request.idempotency_key.empty()) {
    MYKEY_ASSIGN_OR_RETURN(request.idempotency_key, cloud_.NewIdempotencyKey());
  }
  IssuedVoucher issued;
  issued.issue_key = request.idempotency_key;
  MYKEY_ASSIGN_OR_RETURN(issued.voucher, Twice([&] { return cloud_.IssueVoucher(request); }));
  const bool replayed = issued.voucher.replayed;
  if (replayed) {
    // Issued before with this key (a retry after a crash): the stored answer
    // is the issue-time state, so ask where the voucher stands now.
    MYKEY_ASSIGN_OR_RETURN(issued.voucher, cloud_.GetVoucher(issued.voucher.serial));
  }
  issued.state = StateOf(issued.voucher);
  if (issued.voucher.state != "pending_print") return issued;
  if (replayed) {
    // Whether the first job printed is unknown: only a duplicate may follow
    // (or the confirmation, if this issuer saw it print).
    return Reprint(issued.issue_key, issued.voucher.serial, look, on_failure);
  }
  return PrintAndSettle(std::move(issued), look, /*duplicate=*/false, on_failure);
}

Result<IssuedVoucher> VoucherIssuer::Reprint(std::string_view issue_key, std::string_view serial,
                                             const VoucherPrintData& look,
                                             OnPrintFailure on_failure) {
  if (issue_key.empty() || issue_key.size() > kMaxIssueKey) {
    return Fail(ErrorCode::kInvalidArgument, "an issue key has 1..200 characters");
  }
  IssuedVoucher issued;
  issued.issue_key = std::string(issue_key);
  if (printed_unconfirmed_.contains(issue_key)) {
    // It printed; only the cloud's record is missing.
    issued.voucher.serial = std::string(serial);
    return Confirm(std::move(issued));
  }
  MYKEY_TRY(CheckProofOfPrint());
  // The reprint number keys the step, so a lost answer is asked again with
  // the same key and a new reprint gets a new one.
  MYKEY_ASSIGN_OR_RETURN(const cloud_client::CloudVoucher now, cloud_.GetVoucher(serial));
  if (now.state != "pending_print" && now.state != "issued") {
    issued.voucher = now;
    issued.state = StateOf(now);
    return issued;
  }
  // A printer that would refuse the job (still no paper, cover open) prints no
  // duplicate: ask it first, so that the cloud counts only reprints that were sent.
  MYKEY_ASSIGN_OR_RETURN(const printer::PrinterStatus status,
                         port_.ReadRealTimeStatus(options_.job.status_timeout));
  printer::PrinterFault fault = printer::FaultOf(status);
  if (fault == printer::PrinterFault::kNone && status.paper_near_end &&
      !options_.job.allow_paper_near_end) {
    fault = printer::PrinterFault::kPaperEnd;
  }
  if (fault != printer::PrinterFault::kNone) {
    issued.voucher = now;
    issued.printed_duplicate = true;
    issued.job.result = printer::JobResult::kNotPrinted;
    issued.job.fault = fault;
    issued.job.refused_before_write = true;
    issued.job.before = status;
    return SettleUnprinted(std::move(issued), on_failure);
  }
  const std::string key = issued.issue_key + ".reprint." + std::to_string(now.reprints + 1);
  MYKEY_ASSIGN_OR_RETURN(issued.voucher, Twice([&] { return cloud_.ReprintVoucher(serial, key); }));
  return PrintAndSettle(std::move(issued), look, /*duplicate=*/true, on_failure);
}

Result<IssuedVoucher> VoucherIssuer::Void(std::string_view issue_key, std::string_view serial) {
  if (issue_key.empty() || issue_key.size() > kMaxIssueKey) {
    return Fail(ErrorCode::kInvalidArgument, "an issue key has 1..200 characters");
  }
  if (printed_unconfirmed_.contains(issue_key)) {
    return Fail(ErrorCode::kFailedPrecondition,
                "voucher: the printer confirmed this voucher; confirm it, do not void it");
  }
  IssuedVoucher issued;
  issued.issue_key = std::string(issue_key);
  MYKEY_ASSIGN_OR_RETURN(issued.voucher, Twice([&] {
                           return cloud_.VoidVoucher(serial, issued.issue_key + ".void");
                         }));
  issued.state = StateOf(issued.voucher);
  return issued;
}

Result<IssuedVoucher> VoucherIssuer::Resume(std::string_view issue_key,
                                            const VoucherPrintData& look,
                                            OnPrintFailure on_failure) {
  if (auto printed = printed_unconfirmed_.find(issue_key); printed != printed_unconfirmed_.end()) {
    return ConfirmPrinted(issue_key, printed->second);
  }
  MYKEY_ASSIGN_OR_RETURN(const cloud_client::CloudVoucher original,
                         cloud_.RecoverVoucher(issue_key));
  MYKEY_ASSIGN_OR_RETURN(const cloud_client::CloudVoucher now, cloud_.GetVoucher(original.serial));
  if (now.state != "pending_print") {
    IssuedVoucher issued;
    issued.issue_key = std::string(issue_key);
    issued.voucher = now;
    issued.state = StateOf(now);
    return issued;
  }
  if (on_failure == OnPrintFailure::kVoid) return Void(issue_key, now.serial);
  return Reprint(issue_key, now.serial, look, OnPrintFailure::kKeepPending);
}

Result<IssuedVoucher> VoucherIssuer::ConfirmPrinted(std::string_view issue_key,
                                                    std::string_view serial) {
  if (issue_key.empty() || issue_key.size() > kMaxIssueKey) {
    return Fail(ErrorCode::kInvalidArgument, "an issue key has 1..200 characters");
  }
  IssuedVoucher issued;
  issued.issue_key = std::string(issue_key);
  issued.voucher.serial = std::string(serial);
  return Confirm(std::move(issued));
}

}  // namespace mykey::voucher
