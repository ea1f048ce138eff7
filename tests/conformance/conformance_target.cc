#include "conformance_target.h"

namespace mykey::conformance {

void SwappableCard::Swap(std::unique_ptr<jpki::JpkiCardEmulator> card) {
  std::lock_guard lock(mutex_);
  card_ = std::move(card);
}

Bytes SwappableCard::PowerOn() {
  std::lock_guard lock(mutex_);
  if (!card_) return Bytes(jpki::kContactAtr.begin(), jpki::kContactAtr.end());
  return card_->PowerOn();
}

void SwappableCard::PowerOff() {
  std::lock_guard lock(mutex_);
  if (card_) card_->PowerOff();
}

Bytes SwappableCard::Reset() {
  std::lock_guard lock(mutex_);
  if (!card_) return Bytes(jpki::kContactAtr.begin(), jpki::kContactAtr.end());
  return card_->Reset();
}

Bytes SwappableCard::Process(ByteView command) {
  std::lock_guard lock(mutex_);
  if (!card_) return {0x6F, 0x00};
  return card_->Process(command);
}

Result<hal::CardReader*> ConformanceTarget::StartCard(jpki::JpkiPersonalisation card) {
  MYKEY_ASSIGN_OR_RETURN(auto emulator, jpki::JpkiCardEmulator::Create(std::move(card)));
  slot_.Swap(std::move(emulator));
  MYKEY_ASSIGN_OR_RETURN(hal::CardReader * reader, DoConnectedReader());
  // The new instance starts powered down: a warm reset through the whole
  // stack gives it its first session.
  MYKEY_TRY(reader->Reset());
  return reader;
}

}  // namespace mykey::conformance
