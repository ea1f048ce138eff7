#include "mykey/sim/sim_reader.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace mykey::hal {
namespace internal {

struct SimSlot {
  std::string name;
  VirtualCard* card = nullptr;  // borrowed, see InsertCard()
  Bytes atr;                    // the ATR last seen from the card
  uint64_t generation = 0;      // bumped on every insertion and removal
  std::optional<uint32_t> remove_after;
  uint64_t commands = 0;
};

struct SimBus {
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<SimSlot> slots;  // plugged-in readers, in plugging order
  uint64_t next_generation = 1;
  bool cancel_pending = false;

  SimSlot* Find(std::string_view name) {
    auto it =
        std::find_if(slots.begin(), slots.end(), [&](const SimSlot& s) { return s.name == name; });
    return it == slots.end() ? nullptr : &*it;
  }

  // Callers hold `mutex`.
  std::vector<ReaderInfo> Snapshot() const {
    std::vector<ReaderInfo> readers;
    readers.reserve(slots.size());
    for (const SimSlot& s : slots) {
      readers.push_back({s.name, s.card != nullptr, s.card != nullptr ? s.atr : Bytes{}});
    }
    return readers;
  }

  // Callers hold `mutex`. A pulled card loses power.
  void Pull(SimSlot& slot) {
    if (slot.card != nullptr) slot.card->PowerOff();
    slot.card = nullptr;
    slot.atr.clear();
    slot.remove_after.reset();
    slot.generation = next_generation++;
  }
};

}  // namespace internal

using internal::SimSlot;

SimCardReader::SimCardReader(std::shared_ptr<internal::SimBus> bus, std::string name)
    : CardReader(std::move(name)), bus_(std::move(bus)) {}

SimCardReader::~SimCardReader() {
  (void)Disconnect();
}

Result<Bytes> SimCardReader::DoConnect() {
  std::lock_guard lock(bus_->mutex);
  SimSlot* slot = bus_->Find(name());
  if (slot == nullptr) return Fail(ErrorCode::kUnavailable, "simulated reader was removed");
  if (slot->card == nullptr) return Fail(ErrorCode::kNotFound, "no card in the simulated reader");
  slot->atr = slot->card->PowerOn();
  card_generation_ = slot->generation;
  return slot->atr;
}

Result<Bytes> SimCardReader::DoTransmit(ByteView command, std::chrono::milliseconds) {
  std::unique_lock lock(bus_->mutex);
  SimSlot* slot = bus_->Find(name());
  if (slot == nullptr) return Fail(ErrorCode::kUnavailable, "simulated reader was removed");
  if (slot->card == nullptr || slot->generation != card_generation_) {
    return Fail(ErrorCode::kAborted, "simulated card was removed");
  }
  Bytes response = slot->card->Process(command);
  ++slot->commands;
  if (slot->remove_after && --*slot->remove_after == 0) {
    bus_->Pull(*slot);
    lock.unlock();
    bus_->changed.notify_all();
  }
  return response;
}

Result<Bytes> SimCardReader::DoReset() {
  std::lock_guard lock(bus_->mutex);
  SimSlot* slot = bus_->Find(name());
  if (slot == nullptr) return Fail(ErrorCode::kUnavailable, "simulated reader was removed");
  if (slot->card == nullptr || slot->generation != card_generation_) {
    return Fail(ErrorCode::kAborted, "simulated card was removed");
  }
  slot->atr = slot->card->Reset();
  return slot->atr;
}

Status SimCardReader::DoDisconnect() {
  std::lock_guard lock(bus_->mutex);
  SimSlot* slot = bus_->Find(name());
  // Power off only the card we connected to; a pulled card is already off.
  if (slot != nullptr && slot->card != nullptr && slot->generation == card_generation_) {
    slot->card->PowerOff();
  }
  card_generation_ = 0;
  return Ok();
}

SimReaderMonitor::SimReaderMonitor() : bus_(std::make_shared<internal::SimBus>()) {}

SimReaderMonitor::~SimReaderMonitor() {
  // Readers may outlive the monitor, the borrowed cards may not: detach them
  // without calling them (a test may already have destroyed a card it
  // declared after the monitor).
  {
    std::lock_guard lock(bus_->mutex);
    bus_->slots.clear();
  }
  bus_->changed.notify_all();
}

Status SimReaderMonitor::AddReader(std::string_view name) {
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "simulated reader needs a name");
  {
    std::lock_guard lock(bus_->mutex);
    if (bus_->Find(name) != nullptr) {
      return Fail(ErrorCode::kAlreadyExists, "simulated reader already plugged in");
    }
    SimSlot slot;
    slot.name = std::string(name);
    slot.generation = bus_->next_generation++;
    bus_->slots.push_back(std::move(slot));
  }
  bus_->changed.notify_all();
  return Ok();
}

Status SimReaderMonitor::RemoveReader(std::string_view name) {
  {
    std::lock_guard lock(bus_->mutex);
    auto it = std::find_if(bus_->slots.begin(), bus_->slots.end(),
                           [&](const SimSlot& s) { return s.name == name; });
    if (it == bus_->slots.end()) return Fail(ErrorCode::kNotFound, "no such simulated reader");
    bus_->Pull(*it);
    bus_->slots.erase(it);
  }
  bus_->changed.notify_all();
  return Ok();
}

Status SimReaderMonitor::InsertCard(std::string_view reader, VirtualCard& card) {
  {
    std::lock_guard lock(bus_->mutex);
    SimSlot* slot = bus_->Find(reader);
    if (slot == nullptr) return Fail(ErrorCode::kNotFound, "no such simulated reader");
    if (slot->card != nullptr) {
      return Fail(ErrorCode::kAlreadyExists, "simulated reader already holds a card");
    }
    slot->card = &card;
    // A reader learns the ATR by powering the card up; it stays powered
    // until a connection powers it off, as pcscd does.
    slot->atr = card.PowerOn();
    slot->commands = 0;
    slot->generation = bus_->next_generation++;
  }
  bus_->changed.notify_all();
  return Ok();
}

Status SimReaderMonitor::RemoveCard(std::string_view reader) {
  {
    std::lock_guard lock(bus_->mutex);
    SimSlot* slot = bus_->Find(reader);
    if (slot == nullptr || slot->card == nullptr) {
      return Fail(ErrorCode::kNotFound, "no card in that simulated reader");
    }
    bus_->Pull(*slot);
  }
  bus_->changed.notify_all();
  return Ok();
}

Status SimReaderMonitor::RemoveCardAfterCommands(std::string_view reader, uint32_t commands) {
  if (commands == 0) return RemoveCard(reader);
  std::lock_guard lock(bus_->mutex);
  SimSlot* slot = bus_->Find(reader);
  if (slot == nullptr || slot->card == nullptr) {
    return Fail(ErrorCode::kNotFound, "no card in that simulated reader");
  }
  slot->remove_after = commands;
  return Ok();
}

uint64_t SimReaderMonitor::commands_processed(std::string_view reader) const {
  std::lock_guard lock(bus_->mutex);
  const SimSlot* slot = bus_->Find(reader);
  return slot == nullptr || slot->card == nullptr ? 0 : slot->commands;
}

Result<std::vector<ReaderInfo>> SimReaderMonitor::DoListReaders() {
  std::lock_guard lock(bus_->mutex);
  return bus_->Snapshot();
}

Result<std::vector<ReaderInfo>> SimReaderMonitor::DoWaitForChange(
    const std::vector<ReaderInfo>& known, std::chrono::milliseconds timeout) {
  std::unique_lock lock(bus_->mutex);
  bool woke = bus_->changed.wait_for(
      lock, timeout, [&] { return bus_->cancel_pending || bus_->Snapshot() != known; });
  if (bus_->cancel_pending) {
    bus_->cancel_pending = false;
    return Fail(ErrorCode::kCancelled, "wait for a reader change was cancelled");
  }
  if (!woke)
    return Fail(ErrorCode::kDeadlineExceeded, "no reader or card change before the timeout");
  return bus_->Snapshot();
}

Result<std::unique_ptr<CardReader>> SimReaderMonitor::DoOpenReader(std::string_view reader) {
  std::lock_guard lock(bus_->mutex);
  if (bus_->Find(reader) == nullptr) return Fail(ErrorCode::kNotFound, "no such simulated reader");
  return std::unique_ptr<CardReader>(new SimCardReader(bus_, std::string(reader)));
}

void SimReaderMonitor::DoCancel() {
  {
    std::lock_guard lock(bus_->mutex);
    bus_->cancel_pending = true;
  }
  bus_->changed.notify_all();
}

}  // namespace mykey::hal
