#pragma once

// Test helpers: find commands in an ESC/POS job.

#include <algorithm>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/receipt/bitmap.h"

namespace mykey::receipt::testing {

/// True if `needle` occurs in `hay`.
inline bool Contains(ByteView hay, const Bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

/// Number of times `needle` occurs in `hay`.
inline int Count(ByteView hay, const Bytes& needle) {
  int n = 0;
  for (auto it = hay.begin();
       (it = std::search(it, hay.end(), needle.begin(), needle.end())) != hay.end(); ++it) {
    ++n;
  }
  return n;
}

/// The `GS v 0` images of a job, in order (walks the job so raster data is skipped).
inline std::vector<Bitmap> Rasters(ByteView job) {
  std::vector<Bitmap> out;
  size_t i = 0;
  while (i + 8 <= job.size()) {
    if (job[i] == 0x1D && job[i + 1] == 'v' && job[i + 2] == '0') {
      const int wb = job[i + 4] | (job[i + 5] << 8);
      const int h = job[i + 6] | (job[i + 7] << 8);
      const size_t n = static_cast<size_t>(wb) * static_cast<size_t>(h);
      auto bitmap = Bitmap::FromPackedRows(job.subspan(i + 8, n), wb, h);
      if (bitmap) out.push_back(*bitmap);
      i += 8 + n;
    } else {
      ++i;
    }
  }
  return out;
}

/// The job with the data of every `GS v 0` image removed (to look for bytes in text only).
inline Bytes WithoutRasterData(ByteView job) {
  Bytes out;
  size_t i = 0;
  while (i < job.size()) {
    if (i + 8 <= job.size() && job[i] == 0x1D && job[i + 1] == 'v' && job[i + 2] == '0') {
      const int wb = job[i + 4] | (job[i + 5] << 8);
      const int h = job[i + 6] | (job[i + 7] << 8);
      out.insert(out.end(), job.begin() + static_cast<std::ptrdiff_t>(i),
                 job.begin() + static_cast<std::ptrdiff_t>(i + 8));
      i += 8 + static_cast<size_t>(wb) * static_cast<size_t>(h);
    } else {
      out.push_back(job[i]);
      ++i;
    }
  }
  return out;
}

}  // namespace mykey::receipt::testing
