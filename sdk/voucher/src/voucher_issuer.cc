#include "mykey/voucher/voucher_issuer.h"

#include <utility>

#include "mykey/base/log.h"
#include "mykey/base/mask.h"
#include "mykey/cloud_client/cloud_error.h"
#include "mykey/protocol/voucher_serial.h"

namespace mykey::voucher {

namespace {

constexpr size_t kMaxIssueKey = 200;

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

Result<printer::JobOutcome> VoucherIssuer::PrintDocument(const cloud_client::CloudVoucher& voucher,
                                                         VoucherPrintData look, bool duplicate) {
  look.token = voucher.token;
  look.reprint_of.reset();
  if (duplicate) {
    MYKEY_ASSIGN_OR_RETURN(look.reprint_of, protocol::VoucherSerial::Parse(voucher.serial));
  }
  MYKEY_ASSIGN_OR_RETURN(receipt::Document document, BuildVoucherDocument(look, options_.profile));
  MYKEY_ASSIGN_OR_RETURN(receipt::EncodedReceipt encoded, encoder_->Encode(document));
  return printer::PrintJob(port_, encoded.bytes, options_.job);
}

Result<IssuedVoucher> VoucherIssuer::PrintAndSettle(IssuedVoucher issued,
                                                    const VoucherPrintData& look, bool duplicate,
                                                    OnPrintFailure on_failure) {
  MYKEY_ASSIGN_OR_RETURN(issued.job, PrintDocument(issued.voucher, look, duplicate));
  issued.jobs += 1;
  issued.printed_duplicate = duplicate;
  const std::string& serial = issued.voucher.serial;
  if (issued.job.printed()) {
    MYKEY_ASSIGN_OR_RETURN(
        issued.voucher,
        Twice([&] { return cloud_.ConfirmVoucherPrinted(serial, issued.issue_key + ".confirm"); }));
    issued.state = StateOf(issued.voucher);
    return issued;
  }
  log::Write(log::Level::kWarning, "voucher",
             std::string("voucher ") + MaskIdentifier(serial) + " not printed (" +
                 printer::JobResultName(issued.job.result) +
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
  if (request.idempotency_key.empty()) {
    MYKEY_ASSIGN_OR_RETURN(request.idempotency_key, cloud_.NewIdempotencyKey());
  }
  if (request.idempotency_key.size() > kMaxIssueKey) {
    return Fail(ErrorCode::kInvalidArgument, "an issue key has at most 200 characters");
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
    // Whether the first job printed is unknown: only a duplicate may follow.
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
  // The reprint number keys the step, so a lost answer is asked again with
  // the same key and a new reprint gets a new one.
  MYKEY_ASSIGN_OR_RETURN(const cloud_client::CloudVoucher now, cloud_.GetVoucher(serial));
  if (now.state != "pending_print" && now.state != "issued") {
    issued.voucher = now;
    issued.state = StateOf(now);
    return issued;
  }
  const std::string key = issued.issue_key + ".reprint." + std::to_string(now.reprints + 1);
  MYKEY_ASSIGN_OR_RETURN(issued.voucher, Twice([&] { return cloud_.ReprintVoucher(serial, key); }));
  return PrintAndSettle(std::move(issued), look, /*duplicate=*/true, on_failure);
}

Result<IssuedVoucher> VoucherIssuer::Void(std::string_view issue_key, std::string_view serial) {
  if (issue_key.empty() || issue_key.size() > kMaxIssueKey) {
    return Fail(ErrorCode::kInvalidArgument, "an issue key has 1..200 characters");
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

}  // namespace mykey::voucher
