#include "mykey/base/mask.h"

namespace mykey {

std::string MaskIdentifier(std::string_view id, size_t keep) {
  std::string out(id.size(), '*');
  if (id.size() >= 2 * keep + 1) {
    for (size_t i = id.size() - keep; i < id.size(); ++i) out[i] = id[i];
  }
  return out;
}

}  // namespace mykey
