// The conformance suite's in-process backend: the emulator in a
// SimReaderMonitor reader, driven through SimCardReader.

#include <cstdlib>

#include "conformance_target.h"
#include "mykey/sim/sim_reader.h"

namespace mykey::conformance {
namespace {

constexpr const char* kReader = "Sim Reader 0";

class SimTarget final : public ConformanceTarget {
 public:
  const char* name() const override { return "sim"; }

 private:
  Result<hal::CardReader*> DoConnectedReader() override {
    if (!reader_) {
      MYKEY_TRY(monitor_.AddReader(kReader));
      MYKEY_TRY(monitor_.InsertCard(kReader, slot()));
      MYKEY_ASSIGN_OR_RETURN(reader_, monitor_.OpenReader(kReader));
    }
    if (!reader_->connected()) MYKEY_TRY(reader_->Connect());
    return reader_.get();
  }

  hal::SimReaderMonitor monitor_;
  std::unique_ptr<hal::CardReader> reader_;
};

}  // namespace

ConformanceTarget& SharedConformanceTarget() {
  static SimTarget* target = new SimTarget;
  return *target;
}

}  // namespace mykey::conformance
