// Fuzzes mykey::DerElementSize, the DER header reader used to size a
// certificate read from a card EF.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "mykey/base/der.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const mykey::ByteView input(data, size);
  const auto whole = mykey::DerElementSize(input);
  if (whole) {
    // A total always covers at least the tag and one length octet.
    if (*whole < 2) std::abort();
    // The header alone decides the size: a prefix of kMaxDerHeaderSize bytes
    // must give the same answer.
    const auto head = mykey::DerElementSize(input.first(std::min(size, mykey::kMaxDerHeaderSize)));
    if (!head || *head != *whole) std::abort();
  } else {
    const auto code = whole.error().code();
    if (code != mykey::ErrorCode::kOutOfRange && code != mykey::ErrorCode::kDataLoss) std::abort();
  }
  return 0;
}
