// The conformance suite through the real stack: the emulator behind a
// VpcdBridge in pcscd's vpcd reader, driven through PcscCardReader
// (libpcsclite -> pcscd -> vpcd -> TCP -> VpcdBridge -> emulator).
//
// The vpcd slot comes from MYKEY_VPCD_SLOT (default 0). Needs a running
// pcscd: registered with mykey_pcsc_test() for its fixture and vpcd lock.

#include <cstdlib>
#include <string>

#include "conformance_target.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/testing/vpcd_card_slot.h"

namespace mykey::conformance {
namespace {

uint16_t SlotFromEnvironment() {
  const char* text = std::getenv("MYKEY_VPCD_SLOT");
  return text != nullptr && std::string(text) == "1" ? 1 : 0;
}

class PcscTarget final : public ConformanceTarget {
 public:
  const char* name() const override { return "pcsc"; }

 private:
  Result<hal::CardReader*> DoConnectedReader() override {
    if (!vpcd_slot_) {
      // The card stays in the reader for the whole run; StartCard() swaps the
      // emulator instance behind the bridge and resets through pcscd.
      MYKEY_ASSIGN_OR_RETURN(vpcd_slot_,
                             testing::VpcdCardSlot::Create(slot(), SlotFromEnvironment()));
      MYKEY_ASSIGN_OR_RETURN(reader_, monitor_.OpenReader(vpcd_slot_->reader_name()));
    }
    if (!reader_->connected()) MYKEY_TRY(reader_->Connect());
    return reader_.get();
  }

  hal::PcscReaderMonitor monitor_;
  std::unique_ptr<testing::VpcdCardSlot> vpcd_slot_;
  std::unique_ptr<hal::CardReader> reader_;
};

}  // namespace

ConformanceTarget& SharedConformanceTarget() {
  // Destroyed at exit so that the card leaves the reader (the slot waits
  // until pcscd sees it gone) before the next test binary inserts its own.
  static PcscTarget target;
  return target;
}

}  // namespace mykey::conformance
