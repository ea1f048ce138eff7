#include "card_session.h"

#include <cstdio>

namespace mykey::cli {

Result<std::unique_ptr<CardSession>> CardSession::Open(hal::ReaderMonitor& monitor,
                                                       const ReaderOptions& options) {
  MYKEY_ASSIGN_OR_RETURN(auto readers, monitor.ListReaders());
  if (readers.empty() && options.wait.count() == 0) {
    return Fail(ErrorCode::kUnavailable, "no card reader");
  }
  std::string name = options.reader;
  if (!name.empty()) {
    bool known = false;
    for (const auto& r : readers) known = known || r.name == name;
    if (!known && options.wait.count() == 0) {
      return Fail(ErrorCode::kUnavailable, "no reader with that name");
    }
  }
  auto found = monitor.WaitForCard(name, options.wait);
  if (!found) {
    if (found.error().code() == ErrorCode::kDeadlineExceeded) {
      return Fail(ErrorCode::kNotFound, "no card in the reader");
    }
    return Fail(found.error());
  }

  std::unique_ptr<CardSession> session(new CardSession());
  session->print_trace_ = options.trace;
  MYKEY_ASSIGN_OR_RETURN(session->reader_, monitor.OpenReader(found->name));
  MYKEY_TRY(session->reader_->Connect());
  session->channel_ = std::make_unique<iso7816::CardChannel>(*session->reader_);
  session->channel_->set_trace(&session->trace_);
  session->applet_ = std::make_unique<jpki::JpkiApplet>(*session->channel_);
  MYKEY_TRY(session->applet_->Select());
  return session;
}

CardSession::~CardSession() {
  if (print_trace_) {
    std::fprintf(stderr, "APDU trace (%zu APDUs, %zu bytes sent, %zu received):\n%s",
                 trace_.apdu_count(), trace_.bytes_sent(), trace_.bytes_received(),
                 trace_.ToString().c_str());
  }
  if (reader_) (void)reader_->Disconnect();
}

}  // namespace mykey::cli
