#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"
#include "mykey/card_reader/reader_monitor.h"
#include "mykey/iso7816/apdu_trace.h"
#include "mykey/iso7816/card_channel.h"
#include "mykey/jpki/jpki_applet.h"

namespace mykey::cli {

/// Options that choose the reader and card.
struct ReaderOptions {
  std::string reader;                 ///< exact reader name; empty: the first reader with a card
  std::chrono::milliseconds wait{0};  ///< how long to wait for a card
  bool trace = false;                 ///< print the (PIN-redacted) APDU trace to stderr
};

/// A connected card with the JPKI applet selected: reader, channel, applet.
///
/// Thread safety: not thread-safe.
class CardSession {
 public:
  /// Finds the reader, waits for a card, connects and selects the JPKI AP.
  /// @returns kUnavailable (pcscd down, reader absent), kNotFound (no card,
  /// no JPKI applet), kDeadlineExceeded (no card within the wait), kAborted.
  static Result<std::unique_ptr<CardSession>> Open(hal::ReaderMonitor& monitor,
                                                   const ReaderOptions& options);
  ~CardSession();

  jpki::JpkiApplet& applet() { return *applet_; }
  const std::string& reader_name() const { return reader_->name(); }
  const Bytes& atr() const { return reader_->atr(); }
  iso7816::ApduTrace& trace() { return trace_; }

 private:
  CardSession() = default;
  std::unique_ptr<hal::CardReader> reader_;
  iso7816::ApduTrace trace_;
  std::unique_ptr<iso7816::CardChannel> channel_;
  std::unique_ptr<jpki::JpkiApplet> applet_;
  bool print_trace_ = false;
};

}  // namespace mykey::cli
