#pragma once

#include <atomic>

#include "mykey/base/bytes.h"
#include "mykey/card_reader/virtual_card.h"

namespace mykey::contract {

/// The card of the contract suite: small and fully known.
///   00 10 00 00        -> counter (1 byte, from 1) 90 00; the counter is session
///                         state: power off, power on and reset clear it
///   00 CA 00 00 Lc data -> data 90 00 (echo)
///   other INS          -> 6D 00; other CLA -> 6E 00; shorter than 4 -> 67 00
/// Counts power-ons and resets (readable from any thread).
class CounterCard final : public hal::VirtualCard {
 public:
  static inline const Bytes kAtr = {0x3B, 0x80, 0x80, 0x01, 0x01};

  Bytes PowerOn() override {
    ++power_ons_;
    counter_ = 0;
    return kAtr;
  }
  void PowerOff() override { counter_ = 0; }
  Bytes Reset() override {
    ++resets_;
    counter_ = 0;
    return kAtr;
  }
  Bytes Process(ByteView command) override {
    if (command.size() < 4) return {0x67, 0x00};
    if (command[0] != 0x00) return {0x6E, 0x00};
    switch (command[1]) {
      case 0x10: ++counter_; return {counter_, 0x90, 0x00};
      case 0xCA: {
        if (command.size() < 5) return {0x67, 0x00};
        size_t length = command[4];
        if (command.size() < 5 + length) return {0x67, 0x00};
        Bytes response(command.begin() + 5, command.begin() + 5 + static_cast<ptrdiff_t>(length));
        response.push_back(0x90);
        response.push_back(0x00);
        return response;
      }
      default: return {0x6D, 0x00};
    }
  }

  int power_ons() const { return power_ons_.load(); }
  int resets() const { return resets_.load(); }

 private:
  std::atomic<int> power_ons_{0};
  std::atomic<int> resets_{0};
  uint8_t counter_ = 0;  // touched only by the thread that hosts the card
};

inline const Bytes kIncrement = {0x00, 0x10, 0x00, 0x00};

}  // namespace mykey::contract
