#include "mykey/card_reader/card_reader.h"

namespace mykey::hal {

Result<Bytes> CardReader::Connect() {
  if (connected_) return atr_;
  MYKEY_ASSIGN_OR_RETURN(Bytes atr, DoConnect());
  connected_ = true;
  atr_ = std::move(atr);
  return atr_;
}

Result<Bytes> CardReader::Transmit(ByteView command, std::chrono::milliseconds timeout) {
  if (!connected_) {
    return Fail(ErrorCode::kFailedPrecondition, "Transmit() before Connect()");
  }
  if (command.size() < 4 || command.size() > kMaxCommandApduSize) {
    return Fail(ErrorCode::kInvalidArgument, "command APDU length out of range");
  }
  auto response = DoTransmit(command, timeout);
  if (!response) {
    // A removed or reset card, or a vanished reader, ends the connection.
    ErrorCode code = response.error().code();
    if (code == ErrorCode::kAborted || code == ErrorCode::kUnavailable) EndConnection();
    return response;
  }
  if (response->size() < 2) {
    // No status word: the card went mute or away mid-exchange (vpcd answers
    // an empty response when the card's connection drops). Treat it as a
    // removed card, so callers reconnect instead of trusting the session.
    EndConnection();
    return Fail(ErrorCode::kAborted, "the card answered without a status word (removed or mute)");
  }
  return response;
}

Result<Bytes> CardReader::Reset() {
  if (!connected_) return Fail(ErrorCode::kFailedPrecondition, "Reset() before Connect()");
  auto atr = DoReset();
  if (!atr) {
    // The card's state is unknown after a failed reset: start over.
    EndConnection();
    return atr;
  }
  atr_ = *atr;
  return atr;
}

Status CardReader::Disconnect() {
  if (!connected_) return Ok();
  connected_ = false;
  atr_.clear();
  return DoDisconnect();
}

void CardReader::EndConnection() {
  connected_ = false;
  atr_.clear();
  // Only releases the backend's handle; the card is gone or in an unknown state.
  (void)DoDisconnect();
}

}  // namespace mykey::hal
