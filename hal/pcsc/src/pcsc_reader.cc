#include "mykey/pcsc/pcsc_reader.h"

#include <PCSC/winscard.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <utility>

#include "mykey/base/log.h"
#include "mykey/pcsc/pcsc_error.h"

namespace mykey::hal {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kLogModule = "pcsc";
// Extended length: 65536 data bytes, SW1 SW2 and room to spare (pcsclite's own maximum).
constexpr size_t kReceiveBufferSize = MAX_BUFFER_SIZE_EXTENDED;
// A cancel that races the start of a wait is seen after at most one slice.
constexpr milliseconds kWaitSlice{500};
constexpr milliseconds kFirstBackoff{20};
constexpr milliseconds kMaxBackoff{500};

void LogDebug(std::string_view message) {
  if (log::Enabled(log::Level::kDebug)) log::Write(log::Level::kDebug, kLogModule, message);
}

// pcscd went away or restarted: the context (and every handle) is dead.
bool IsServiceLost(LONG rv) {
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED || rv == SCARD_E_INVALID_HANDLE;
}

DWORD ToPcscTimeout(milliseconds timeout) {
  if (timeout.count() <= 0) return 0;
  // INFINITE (0xFFFFFFFF) is reserved; cap below it.
  constexpr int64_t kMax = 0xFFFFFFFE;
  return static_cast<DWORD>(std::min<int64_t>(timeout.count(), kMax));
}

milliseconds Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : milliseconds{0};
}

// The names of the readers now. No reader at all is an empty list.
LONG ListReaderNames(SCARDCONTEXT context, std::vector<std::string>& names) {
  names.clear();
  for (int attempt = 0; attempt < 3; ++attempt) {
    DWORD length = 0;
    LONG rv = SCardListReaders(context, nullptr, nullptr, &length);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return SCARD_S_SUCCESS;
    if (rv != SCARD_S_SUCCESS) return rv;
    std::string buffer(length, '\0');
    rv = SCardListReaders(context, nullptr, buffer.data(), &length);
    if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue;  // a reader arrived in between
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return SCARD_S_SUCCESS;
    if (rv != SCARD_S_SUCCESS) return rv;
    // A multi-string: names separated by NUL, ended by an empty name.
    buffer.resize(std::min<size_t>(length, buffer.size()));
    size_t at = 0;
    while (at < buffer.size() && buffer[at] != '\0') {
      size_t end = buffer.find('\0', at);
      if (end == std::string::npos) end = buffer.size();
      names.push_back(buffer.substr(at, end - at));
      at = end + 1;
    }
    return SCARD_S_SUCCESS;
  }
  return SCARD_E_INSUFFICIENT_BUFFER;
}

// The readers and their states now. `states` points into `names`.
LONG Snapshot(SCARDCONTEXT context, std::vector<std::string>& names,
              std::vector<SCARD_READERSTATE>& states) {
  states.clear();
  LONG rv = ListReaderNames(context, names);
  if (rv != SCARD_S_SUCCESS) return rv;
  if (names.empty()) return SCARD_S_SUCCESS;
  states.resize(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::memset(&states[i], 0, sizeof(SCARD_READERSTATE));
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  rv = SCardGetStatusChange(context, 0, states.data(), static_cast<DWORD>(states.size()));
  // From "unaware" every reader counts as changed; a timeout would only mean
  // pcsclite saw nothing new, and the event states are filled in either way.
  if (rv == SCARD_E_TIMEOUT) rv = SCARD_S_SUCCESS;
  return rv;
}

std::vector<ReaderInfo> ToReaderInfos(const std::vector<SCARD_READERSTATE>& states) {
  std::vector<ReaderInfo> readers;
  readers.reserve(states.size());
  for (const SCARD_READERSTATE& s : states) {
    // A reader unplugged between listing and asking is simply not there.
    if ((s.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) != 0) continue;
    ReaderInfo info;
    info.name = s.szReader;
    info.card_present =
        (s.dwEventState & SCARD_STATE_PRESENT) != 0 && (s.dwEventState & SCARD_STATE_MUTE) == 0;
    if (info.card_present) {
      size_t length = std::min<size_t>(s.cbAtr, sizeof(s.rgbAtr));
      info.atr.assign(s.rgbAtr, s.rgbAtr + length);
    }
    readers.push_back(std::move(info));
  }
  return readers;
}

}  // namespace

// ---------------------------------------------------------------------------
// PcscCardReader

struct PcscCardReader::Handles {
  SCARDCONTEXT context = 0;
  bool context_valid = false;
  SCARDHANDLE card = 0;
  bool card_valid = false;
  DWORD protocol = SCARD_PROTOCOL_UNDEFINED;
  // An exchange failed with the card gone (or mute): Disconnect() lets it go
  // without a reset even before pcscd's poller notices.
  bool card_lost = false;

  LONG EstablishContext() {
    if (context_valid) return SCARD_S_SUCCESS;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
    context_valid = rv == SCARD_S_SUCCESS;
    return rv;
  }
  void ReleaseContext() {
    if (context_valid) (void)SCardReleaseContext(context);
    context_valid = false;
    card_valid = false;
  }
  void DropCard(DWORD disposition) {
    if (card_valid) (void)SCardDisconnect(card, disposition);
    card_valid = false;
    protocol = SCARD_PROTOCOL_UNDEFINED;
  }
};

PcscCardReader::PcscCardReader(std::string name)
    : CardReader(std::move(name)), handles_(std::make_unique<Handles>()) {}

PcscCardReader::~PcscCardReader() {
  (void)Disconnect();
  handles_->DropCard(SCARD_RESET_CARD);
  handles_->ReleaseContext();
}

int PcscCardReader::active_protocol() const {
  if (!handles_->card_valid) return -1;
  return handles_->protocol == SCARD_PROTOCOL_T1 ? 1 : 0;
}

namespace {

// The ATR of the card behind `card`.
Result<Bytes> ReadAtr(SCARDHANDLE card) {
  char reader_name[MAX_READERNAME + 1];
  DWORD name_length = sizeof(reader_name);
  DWORD state = 0;
  DWORD protocol = 0;
  BYTE atr[MAX_ATR_SIZE];
  DWORD atr_length = sizeof(atr);
  LONG rv = SCardStatus(card, reader_name, &name_length, &state, &protocol, atr, &atr_length);
  if (rv != SCARD_S_SUCCESS) return Fail(PcscError(rv));
  return Bytes(atr, atr + std::min<size_t>(atr_length, sizeof(atr)));
}

// True when pcscd says the card behind `card` was removed (or reset by
// another application, or the slot is empty now).
bool CardLeft(SCARDHANDLE card) {
  char reader_name[MAX_READERNAME + 1];
  DWORD name_length = sizeof(reader_name);
  DWORD state = 0;
  DWORD protocol = 0;
  BYTE atr[MAX_ATR_SIZE];
  DWORD atr_length = sizeof(atr);
  LONG rv = SCardStatus(card, reader_name, &name_length, &state, &protocol, atr, &atr_length);
  if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_RESET_CARD) {
    return true;
  }
  return rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT) != 0;
}

}  // namespace

Result<Bytes> PcscCardReader::DoConnect() {
  Handles& h = *handles_;
  h.DropCard(SCARD_LEAVE_CARD);
  for (int attempt = 0;; ++attempt) {
    LONG rv = h.EstablishContext();
    if (rv == SCARD_S_SUCCESS) {
      rv = SCardConnect(h.context, name().c_str(), SCARD_SHARE_SHARED,
                        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h.card, &h.protocol);
    }
    if (rv == SCARD_S_SUCCESS) break;
    if (IsServiceLost(rv) && attempt == 0) {
      LogDebug("context lost (pcscd restarted?); establishing it again");
      h.ReleaseContext();
      continue;
    }
    return Fail(PcscError(rv));
  }
  h.card_valid = true;
  h.card_lost = false;
  auto atr = ReadAtr(h.card);
  if (!atr) h.DropCard(SCARD_RESET_CARD);
  return atr;
}

Result<Bytes> PcscCardReader::DoTransmit(ByteView command, std::chrono::milliseconds) {
  Handles& h = *handles_;
  const SCARD_IO_REQUEST* pci = h.protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
  Bytes response(kReceiveBufferSize);
  DWORD length = static_cast<DWORD>(response.size());
  LONG rv = SCardTransmit(h.card, pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                          response.data(), &length);
  if (rv != SCARD_S_SUCCESS) {
    // pcscd reports a failed exchange with a generic code; if the card is
    // gone meanwhile, say so.
    if (rv == SCARD_E_NOT_TRANSACTED || rv == SCARD_E_COMM_DATA_LOST || rv == SCARD_F_COMM_ERROR) {
      auto status = ReadAtr(h.card);
      if (!status && status.error().code() == ErrorCode::kAborted) {
        h.card_lost = true;
        return Fail(status.error());
      }
    }
    Error error = PcscError(rv);
    if (error.code() == ErrorCode::kAborted) h.card_lost = true;
    return Fail(error);
  }
  response.resize(std::min<size_t>(length, response.size()));
  return response;
}

Result<Bytes> PcscCardReader::DoReset() {
  Handles& h = *handles_;
  LONG rv = SCardReconnect(h.card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           SCARD_RESET_CARD, &h.protocol);
  if (rv != SCARD_S_SUCCESS) return Fail(PcscError(rv));
  return ReadAtr(h.card);
}

Status PcscCardReader::DoDisconnect() {
  Handles& h = *handles_;
  if (!h.card_valid) return Ok();
  // A reset drops the card's security state; see the class comment. But a
  // card that left already has no state to drop, and a reset would reach
  // whatever card sits in the slot now: with vpcd, a card put back within a
  // presence poll is then powered behind pcscd's back and never reported.
  DWORD disposition = SCARD_RESET_CARD;
  if (h.card_lost || CardLeft(h.card)) disposition = SCARD_LEAVE_CARD;
  LONG rv = SCardDisconnect(h.card, disposition);
  h.card_valid = false;
  h.protocol = SCARD_PROTOCOL_UNDEFINED;
  // A handle of a card or service that is gone is released all the same.
  if (rv == SCARD_S_SUCCESS || rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
      IsServiceLost(rv) || rv == SCARD_E_READER_UNAVAILABLE) {
    return Ok();
  }
  return Fail(PcscError(rv));
}

Status PcscCardReader::BeginTransaction() {
  if (!connected() || !handles_->card_valid) {
    return Fail(ErrorCode::kFailedPrecondition, "BeginTransaction() before Connect()");
  }
  LONG rv = SCardBeginTransaction(handles_->card);
  if (rv != SCARD_S_SUCCESS) return Fail(PcscError(rv));
  return Ok();
}

Status PcscCardReader::EndTransaction() {
  if (!connected() || !handles_->card_valid) {
    return Fail(ErrorCode::kFailedPrecondition, "EndTransaction() before Connect()");
  }
  LONG rv = SCardEndTransaction(handles_->card, SCARD_LEAVE_CARD);
  if (rv != SCARD_S_SUCCESS) return Fail(PcscError(rv));
  return Ok();
}

// ---------------------------------------------------------------------------
// PcscReaderMonitor

struct PcscReaderMonitor::Context {
  std::mutex mutex;
  std::condition_variable wake;  // ends back-off sleeps on Cancel()
  SCARDCONTEXT handle = 0;
  bool valid = false;
  bool cancel_pending = false;

  // The context, established if needed; the PC/SC code otherwise.
  LONG Ensure(SCARDCONTEXT& out) {
    std::lock_guard lock(mutex);
    if (!valid) {
      LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &handle);
      if (rv != SCARD_S_SUCCESS) return rv;
      valid = true;
      LogDebug("context established");
    }
    out = handle;
    return SCARD_S_SUCCESS;
  }
  void Release() {
    std::lock_guard lock(mutex);
    if (valid) (void)SCardReleaseContext(handle);
    valid = false;
  }
  bool TakeCancel() {
    std::lock_guard lock(mutex);
    return std::exchange(cancel_pending, false);
  }
  // Sleeps up to `duration`; returns early on Cancel().
  void Sleep(milliseconds duration) {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, duration, [&] { return cancel_pending; });
  }
};

PcscReaderMonitor::PcscReaderMonitor() : context_(std::make_unique<Context>()) {}

PcscReaderMonitor::~PcscReaderMonitor() {
  context_->Release();
}

Result<std::vector<ReaderInfo>> PcscReaderMonitor::DoListReaders() {
  for (int attempt = 0;; ++attempt) {
    SCARDCONTEXT context = 0;
    LONG rv = context_->Ensure(context);
    std::vector<std::string> names;
    std::vector<SCARD_READERSTATE> states;
    if (rv == SCARD_S_SUCCESS) rv = Snapshot(context, names, states);
    if (rv == SCARD_S_SUCCESS) return ToReaderInfos(states);
    if (IsServiceLost(rv) && attempt == 0) {
      LogDebug("context lost (pcscd restarted?); establishing it again");
      context_->Release();
      continue;
    }
    return Fail(PcscError(rv));
  }
}

Result<std::vector<ReaderInfo>> PcscReaderMonitor::DoWaitForChange(
    const std::vector<ReaderInfo>& known, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  milliseconds backoff = kFirstBackoff;
  while (true) {
    if (context_->TakeCancel()) {
      return Fail(ErrorCode::kCancelled, "wait for a reader change was cancelled");
    }
    SCARDCONTEXT context = 0;
    LONG rv = context_->Ensure(context);
    if (rv != SCARD_S_SUCCESS) {
      if (!IsServiceLost(rv)) return Fail(PcscError(rv));
      // pcscd is down: its readers are gone. Report that first, then wait
      // for it to come back.
      if (!known.empty()) return std::vector<ReaderInfo>{};
      milliseconds left = Remaining(deadline);
      if (left.count() == 0) {
        return Fail(ErrorCode::kUnavailable,
                    "PC/SC service is down and did not come back before the timeout",
                    ErrorDomain::kPcsc, rv);
      }
      context_->Sleep(std::min(backoff, left));
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }

    std::vector<std::string> names;
    std::vector<SCARD_READERSTATE> states;
    rv = Snapshot(context, names, states);
    if (IsServiceLost(rv)) {
      LogDebug("context lost (pcscd stopped?)");
      context_->Release();
      continue;
    }
    if (rv != SCARD_S_SUCCESS) return Fail(PcscError(rv));
    std::vector<ReaderInfo> now = ToReaderInfos(states);
    if (now != known) return now;

    milliseconds left = Remaining(deadline);
    if (left.count() == 0) {
      return Fail(ErrorCode::kDeadlineExceeded, "no reader or card change before the timeout");
    }
    // Wait for any reader to change from what we just saw (the event counter
    // in the high word included), or for the reader list to change.
    for (SCARD_READERSTATE& s : states)
      s.dwCurrentState = s.dwEventState & ~DWORD{SCARD_STATE_CHANGED};
    SCARD_READERSTATE pnp;
    std::memset(&pnp, 0, sizeof(pnp));
    pnp.szReader = kPnpNotificationReader;
    pnp.dwCurrentState = static_cast<DWORD>(names.size() << 16);
    states.push_back(pnp);
    rv = SCardGetStatusChange(context, ToPcscTimeout(std::min(left, kWaitSlice)), states.data(),
                              static_cast<DWORD>(states.size()));
    if (rv == SCARD_S_SUCCESS || rv == SCARD_E_TIMEOUT || rv == SCARD_E_UNKNOWN_READER) continue;
    if (rv == SCARD_E_CANCELLED) {
      (void)context_->TakeCancel();
      return Fail(PcscError(rv));
    }
    if (IsServiceLost(rv)) {
      LogDebug("context lost while waiting (pcscd stopped?)");
      context_->Release();
      continue;
    }
    return Fail(PcscError(rv));
  }
}

Result<std::unique_ptr<CardReader>> PcscReaderMonitor::DoOpenReader(std::string_view reader) {
  MYKEY_ASSIGN_OR_RETURN(std::vector<ReaderInfo> readers, DoListReaders());
  bool known = std::any_of(readers.begin(), readers.end(),
                           [&](const ReaderInfo& r) { return r.name == reader; });
  if (!known) return Fail(ErrorCode::kNotFound, "no such card reader");
  return std::unique_ptr<CardReader>(new PcscCardReader(std::string(reader)));
}

void PcscReaderMonitor::DoCancel() {
  {
    std::lock_guard lock(context_->mutex);
    context_->cancel_pending = true;
    if (context_->valid) (void)SCardCancel(context_->handle);
  }
  context_->wake.notify_all();
}

}  // namespace mykey::hal
