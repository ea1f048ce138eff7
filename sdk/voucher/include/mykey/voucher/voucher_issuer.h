#pragma once

// Issuing a paper voucher with proof of print: the cloud issues it
// (pending_print, the points already moved out, so a retry never doubles it),
// the terminal prints it through a PrinterPort with the real-time status read
// before and after the job, and only a job the printer confirmed is reported
// to the cloud as printed (confirm-printed). A failed or uncertain print is
// voided (the points go back) or kept pending and later reprinted as a
// duplicate (再発行, the same serial): never lost, never doubled.
//
// Every cloud call of one voucher uses a key derived from the issue's
// idempotency key ("<key>.confirm", "<key>.void", "<key>.reprint.<n>"), so a
// terminal that crashed between two steps calls Resume(issue_key) and finds
// the voucher, and any step repeated after a lost answer has no second effect.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/printer/print_job.h"
#include "mykey/printer/printer_port.h"
#include "mykey/receipt/escpos_encoder.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/voucher/voucher_layout.h"

namespace mykey::voucher {

/// What to do with a voucher whose print failed or could not be confirmed.
enum class OnPrintFailure : uint8_t {
  kVoid,         ///< void it at once: the points return to the holder (the sale is cancelled)
  kKeepPending,  ///< leave it pending_print; call Reprint() once the printer is fixed, or Void()
};

/// Where an issue ended.
enum class IssueState : uint8_t {
  kIssued,        ///< the printer confirmed the job and the cloud recorded it: in circulation
  kVoided,        ///< not printed; voided at the cloud (points back / sale cancelled)
  kPendingPrint,  ///< not printed (or unconfirmed); still pending at the cloud (kKeepPending)
};
/// "issued", "voided", "pending_print".
const char* IssueStateName(IssueState state) noexcept;

/// The result of Issue(), Reprint(), Void(), Resume() or ConfirmPrinted().
///
/// Thread safety: a value type.
struct IssuedVoucher {
  IssueState state = IssueState::kPendingPrint;
  std::string issue_key;               ///< the issue's idempotency key: keep it to Resume()
  cloud_client::CloudVoucher voucher;  ///< the cloud's answer to the last call
  printer::JobOutcome job;             ///< the last print job (if one was sent)
  /// Why the last job failed when it is not a printer status: the layout or the encoder
  /// refused the print data, or the printer could not be reached before any byte was sent
  /// (job.result kNotPrinted, refused_before_write), or the transport failed mid-job
  /// (JobOutcome::error: kUnavailable, kDeadlineExceeded, kDataLoss; job.result kUnconfirmed,
  /// the paper may or may not have come out). The voucher was voided or kept pending as
  /// OnPrintFailure said; only a duplicate may follow.
  std::optional<Error> job_error;
  /// The printer confirmed the last job but the cloud did not record it (its answers were lost
  /// or it could not be reached, after retries): the voucher is still pending_print at the
  /// cloud and must be confirmed, never voided or reprinted. This issuer remembers it:
  /// Resume(), Reprint() and Issue() with the issue key confirm it; Void() refuses. A caller
  /// that may restart keeps this flag with the issue key and calls ConfirmPrinted().
  bool confirmation_pending = false;
  bool printed_duplicate = false;  ///< the last job was a 再発行 duplicate
  int jobs = 0;                    ///< print jobs sent by this call
};

/// How a VoucherIssuer prints.
///
/// Thread safety: a value type.
struct VoucherIssuerOptions {
  receipt::PrinterProfile profile;  ///< the printer's paper width and features
  /// For text the profile cannot print natively; borrowed, may be null (the
  /// encoder opens the system fonts when it needs them).
  receipt::GlyphRasterizer* rasterizer = nullptr;
  printer::PrintJobOptions job;
};

/// Issues, prints, confirms, voids and reprints vouchers for one printer.
///
/// Only a printer that reports its status (PrinterPort::two_way()) can prove a print, so
/// Issue() and Reprint() refuse up front, before the cloud is asked, on a one-way port
/// (kFailedPrecondition): a voucher printed there could never be confirmed and would be voided
/// while the customer holds it.
///
/// Errors (every call): the cloud's, typed by cloud_client::CloudErrorCodeOf()
/// (see cloud_client.h and the cloud/ledger README "Vouchers"; e.g.
/// kConflict + reason insufficient_balance for Issue()); kOutcomeUnknown
/// only when a step's answer was lost twice before anything was printed (the voucher is then
/// still recoverable with Resume(issue_key); for Issue() with an empty key the key it made is
/// LastCloudError().idempotency_key); PrinterPort::Open()'s errors and kFailedPrecondition
/// for a one-way printer (Issue(), Reprint()). A print that fails, or whose fate the transport
/// left unknown, is not an error: it is reported in IssuedVoucher::state, job and job_error;
/// a confirmation the cloud did not take is IssuedVoucher::confirmation_pending.
///
/// Thread safety: not thread-safe (one printer, one job at a time).
class VoucherIssuer {
 public:
  /// @param cloud   borrowed; must outlive the issuer
  /// @param port    borrowed, opened by the caller; must outlive the issuer
  VoucherIssuer(cloud_client::CloudClient& cloud, printer::PrinterPort& port,
                VoucherIssuerOptions options);
  ~VoucherIssuer();
  VoucherIssuer(const VoucherIssuer&) = delete;
  VoucherIssuer& operator=(const VoucherIssuer&) = delete;

  /// Issues at the cloud, prints, and confirms the print only when the
  /// printer confirmed the job; otherwise voids or keeps it pending.
  /// @param request   the voucher (an empty idempotency key: a new one)
  /// @param look      names and conditions for the layout (token and
  ///                  reprint_of are filled in here)
  /// @returns the outcome (with the issue key, also when the print failed or its fate is
  ///          unknown); kFailedPrecondition for a printer that cannot report its status,
  ///          or the port's Open() errors (nothing issued); kInvalidArgument (ErrorCode) for
  ///          an idempotency key over 200 characters (derived keys must fit 255); the errors
  ///          above.
  Result<IssuedVoucher> Issue(cloud_client::VoucherIssueRequest request,
                              const VoucherPrintData& look, OnPrintFailure on_failure);

  /// Prints a pending voucher again as a duplicate (再発行, the original
  /// serial) after a failed or uncertain print, and confirms it if the
  /// printer confirmed the job. A voucher this issuer saw printed
  /// (confirmation_pending) is confirmed without printing. The printer's status is read first:
  /// one that would refuse the job (paper end, cover open, offline) prints nothing and the
  /// cloud's reprint count is left alone (jobs 0, job.refused_before_write; the voucher is
  /// voided or stays pending as `on_failure` says).
  /// @returns the outcome; kFailedPrecondition for a one-way printer; kConflict
  ///          (already_voided, already_redeemed, voucher_expired) from the cloud; the errors
  ///          above.
  Result<IssuedVoucher> Reprint(std::string_view issue_key, std::string_view serial,
                                const VoucherPrintData& look, OnPrintFailure on_failure);

  /// Voids a pending voucher (the print failed and will not be retried).
  /// @returns the outcome (kVoided); kFailedPrecondition (nothing sent) for a voucher this
  ///          issuer saw printed (confirmation_pending: confirm it instead); kConflict
  ///          (already_issued: it was confirmed printed; already_redeemed) from the cloud.
  Result<IssuedVoucher> Void(std::string_view issue_key, std::string_view serial);

  /// After a crash or an error: finds the voucher issued with `issue_key` and finishes it.
  /// Issued or voided: answered as it is. Printed as far as this issuer knows
  /// (confirmation_pending): confirmed. Pending otherwise: whether the first job printed is
  /// unknown, so it is voided (kVoid) or reprinted as a duplicate (kKeepPending: a duplicate
  /// is printed and confirmed).
  /// @returns the outcome; kNotFound (CloudErrorCode kNotFound): nothing was
  ///          issued with this key (issuing again with it is safe).
  Result<IssuedVoucher> Resume(std::string_view issue_key, const VoucherPrintData& look,
                               OnPrintFailure on_failure);

  /// Records at the cloud that voucher `serial` of `issue_key` printed: for a caller that kept
  /// IssuedVoucher::confirmation_pending across a restart. Idempotent.
  /// @returns the outcome (kIssued), or with confirmation_pending still set when the cloud
  ///          could not be reached again; kConflict (already_voided: the cloud's pending sweep
  ///          voided it first; voucher_expired) from the cloud.
  Result<IssuedVoucher> ConfirmPrinted(std::string_view issue_key, std::string_view serial);

 private:
  Status CheckProofOfPrint();
  Result<Bytes> EncodeVoucher(const cloud_client::CloudVoucher& voucher, VoucherPrintData look,
                              bool duplicate);
  Result<IssuedVoucher> PrintAndSettle(IssuedVoucher issued, const VoucherPrintData& look,
                                       bool duplicate, OnPrintFailure on_failure);
  Result<IssuedVoucher> Confirm(IssuedVoucher issued);
  Result<IssuedVoucher> SettleUnprinted(IssuedVoucher issued, OnPrintFailure on_failure);

  cloud_client::CloudClient& cloud_;
  printer::PrinterPort& port_;
  VoucherIssuerOptions options_;
  std::unique_ptr<receipt::EscPosEncoder> encoder_;
  /// Issue key -> serial of vouchers printed whose confirmation the cloud has not taken.
  std::map<std::string, std::string, std::less<>> printed_unconfirmed_;
};

}  // namespace mykey::voucher
