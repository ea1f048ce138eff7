#include "mykey/iso7816/card_channel.h"

namespace mykey::iso7816 {
namespace {

constexpr uint8_t kInsGetResponse = 0xC0;
// A chain of 61xx answers may carry at most an extended response (64 KiB):
// a card that keeps answering 61xx must not keep the terminal looping.
constexpr size_t kMaxChainedResponse = kMaxExtendedLe;
constexpr int kMaxGetResponseRounds = 257;

size_t LeFromSw2(uint8_t sw2) {
  return sw2 == 0 ? kMaxShortLe : sw2;
}

}  // namespace

Result<ResponseApdu> CardChannel::Exchange(const CommandApdu& command,
                                           std::chrono::milliseconds timeout) {
  Bytes encoded = command.Encode();
  if (Status allowed = AidFirewall::CheckEncoded(encoded); !allowed) {
    if (trace_ != nullptr) trace_->RecordRefusal(encoded, allowed.error());
    SecureWipe(encoded.data(), encoded.size());
    return Fail(allowed.error());
  }
  const auto sent = std::chrono::steady_clock::now();
  Result<Bytes> raw = reader_.Transmit(encoded, timeout);
  if (trace_ != nullptr)
    trace_->RecordExchange(encoded, raw, sent, std::chrono::steady_clock::now());
  SecureWipe(encoded.data(), encoded.size());
  if (!raw) return Fail(raw.error());
  return ResponseApdu::Parse(*raw);
}

Result<ResponseApdu> CardChannel::Transmit(const CommandApdu& command,
                                           std::chrono::milliseconds timeout) {
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Exchange(command, timeout));
  if (response.sw1() == 0x6C) {
    MYKEY_ASSIGN_OR_RETURN(CommandApdu again, command.WithLe(LeFromSw2(response.sw2())));
    MYKEY_ASSIGN_OR_RETURN(response, Exchange(again, timeout));
  }
  if (response.sw1() != 0x61) return response;

  Bytes data = response.TakeData();
  for (int round = 0; response.sw1() == 0x61; ++round) {
    if (round >= kMaxGetResponseRounds) {
      return Fail(ErrorCode::kDataLoss, "GET RESPONSE chain does not end");
    }
    MYKEY_ASSIGN_OR_RETURN(
        CommandApdu get_response,
        CommandApdu::Create(0x00, kInsGetResponse, 0x00, 0x00, {}, LeFromSw2(response.sw2())));
    MYKEY_ASSIGN_OR_RETURN(response, Exchange(get_response, timeout));
    const Bytes& more = response.data();
    if (data.size() + more.size() > kMaxChainedResponse) {
      return Fail(ErrorCode::kDataLoss, "GET RESPONSE chain longer than 64 KiB");
    }
    data.insert(data.end(), more.begin(), more.end());
  }
  return ResponseApdu(std::move(data), response.sw());
}

}  // namespace mykey::iso7816
