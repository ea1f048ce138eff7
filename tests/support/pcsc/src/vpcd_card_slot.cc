#include "mykey/testing/vpcd_card_slot.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace mykey::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kFirstLook{2500};

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds{0};
}

bool ListsBoth(const std::vector<hal::ReaderInfo>& readers) {
  auto listed = [&](const std::string& name) {
    return std::any_of(readers.begin(), readers.end(),
                       [&](const hal::ReaderInfo& r) { return r.name == name; });
  };
  return listed(VpcdReaderName(0)) && listed(VpcdReaderName(1));
}

// Runs the fixture script with `action`; its exit status, or -1.
int RunFixture(const char* action) {
  const char* script = std::getenv("MYKEY_PCSCD_FIXTURE");
  const char* state_dir = std::getenv("MYKEY_PCSCD_STATE_DIR");
  if (script == nullptr || state_dir == nullptr) return -1;
  std::string command =
      std::string("sh '") + script + "' " + action + " '" + state_dir + "' >/dev/null";
  int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Opens and locks the machine-wide lock file of vpcd slot `slot`; -1 if the
// file cannot be made (then the slot is used unlocked).
int LockSlot(uint16_t slot) {
  const char* registry = std::getenv("MYKEY_PCSCD_REGISTRY");
  std::string dir = registry != nullptr ? registry : "/run/mykey-pcscd-fixture";
  (void)mkdir(dir.c_str(), 0755);
  std::string path = dir + "/vpcd-slot-" + std::to_string(slot) + ".lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  // Blocks while a test of another process (or build tree) has a card in the slot.
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

}  // namespace

std::string VpcdReaderName(uint16_t slot) {
  return "Virtual PCD 00 0" + std::to_string(slot);
}

Status WaitForVpcdReaders(hal::ReaderMonitor& monitor, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  MYKEY_ASSIGN_OR_RETURN(std::vector<hal::ReaderInfo> readers, monitor.ListReaders());
  while (!ListsBoth(readers)) {
    MYKEY_TRY(monitor.WaitForChange(Remaining(deadline)));
    MYKEY_ASSIGN_OR_RETURN(readers, monitor.ListReaders());
  }
  return Ok();
}

VpcdCardSlot::VpcdCardSlot(hal::VirtualCard& card, uint16_t slot, bool quick_ack)
    : lock_fd_(LockSlot(slot)), reader_name_(VpcdReaderName(slot)), bridge_(card, [&] {
        hal::VpcdBridgeOptions options;
        options.port = hal::VpcdPort(slot);
        options.quick_ack = quick_ack;
        return options;
      }()) {}

Result<std::unique_ptr<VpcdCardSlot>> VpcdCardSlot::CreateEmpty(hal::VirtualCard& card,
                                                                uint16_t slot, bool quick_ack) {
  std::unique_ptr<VpcdCardSlot> card_slot(new VpcdCardSlot(card, slot, quick_ack));
  MYKEY_TRY(WaitForVpcdReaders(card_slot->monitor_));
  // A card of an earlier test may still be seen: start from an empty reader.
  MYKEY_TRY(card_slot->WaitUntilAbsent());
  return card_slot;
}

Result<std::unique_ptr<VpcdCardSlot>> VpcdCardSlot::Create(hal::VirtualCard& card, uint16_t slot,
                                                           bool quick_ack) {
  MYKEY_ASSIGN_OR_RETURN(std::unique_ptr<VpcdCardSlot> card_slot,
                         CreateEmpty(card, slot, quick_ack));
  MYKEY_TRY(card_slot->InsertCard());
  return card_slot;
}

VpcdCardSlot::~VpcdCardSlot() {
  (void)RemoveCard();
  // The card must be out (even if the wait above failed) before the next
  // holder of the slot gets the lock.
  bridge_.Remove();
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

Status VpcdCardSlot::RemoveCard(std::chrono::milliseconds timeout) {
  bridge_.Remove();
  return WaitUntilAbsent(timeout);
}

Status VpcdCardSlot::InsertCard(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  const uint64_t polls_before = bridge_.presence_polls();
  bridge_.Insert();
  // Several of vpcd's polls (every ~0.4 s) are enough to see a card.
  auto present = monitor_.WaitForCard(reader_name_, std::min(timeout, kFirstLook));
  if (present) return Ok();
  if (present.error().code() != ErrorCode::kDeadlineExceeded) return Fail(present.error());
  // vpcd polls the card but pcscd still says "empty": the previous card was
  // pulled in the middle of an exchange and this one connected before
  // pcscd's poller saw the slot empty (see VpcdBridge::RemoveAfterCommands).
  // Pull it properly, so the poller sees "absent", and insert it again.
  if (bridge_.connected() && bridge_.presence_polls() > polls_before) {
    MYKEY_TRY(RemoveCard(Remaining(deadline)));
    bridge_.Insert();
  }
  MYKEY_TRY(monitor_.WaitForCard(reader_name_, Remaining(deadline)));
  return Ok();
}

Status VpcdCardSlot::WaitUntilAbsent(std::chrono::milliseconds timeout) {
  return monitor_.WaitForCardRemoval(reader_name_, timeout);
}

Status StopFixturePcscd() {
  int status = RunFixture("kill");
  if (status == 0) return Ok();
  if (status == 77 || status == -1) {
    return Fail(ErrorCode::kFailedPrecondition, "pcscd is not the test fixture's alone to stop");
  }
  return Fail(ErrorCode::kInternal, "pcscd fixture script failed", ErrorDomain::kOs, status);
}

Status StartFixturePcscd() {
  int status = RunFixture("start");
  if (status == 0) return Ok();
  if (status == -1) return Fail(ErrorCode::kFailedPrecondition, "pcscd fixture is not set up");
  return Fail(ErrorCode::kInternal, "pcscd fixture script failed", ErrorDomain::kOs, status);
}

}  // namespace mykey::testing
