#include "image_degradation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace mykey::voucher::bench {

namespace {

using receipt::GreyImage;

GreyImage Blank(int width, int height, uint8_t value = 255) {
  GreyImage image;
  image.width = std::max(1, width);
  image.height = std::max(1, height);
  image.pixels.assign(static_cast<size_t>(image.width) * static_cast<size_t>(image.height), value);
  return image;
}

uint8_t& Pixel(GreyImage& image, int x, int y) {
  return image
      .pixels[static_cast<size_t>(y) * static_cast<size_t>(image.width) + static_cast<size_t>(x)];
}

uint8_t Clamp(double v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

// Bilinear sample; white outside the picture (paper around the receipt).
double Sample(const GreyImage& image, double x, double y) {
  if (x < -0.5 || y < -0.5 || x > image.width - 0.5 || y > image.height - 0.5) return 255.0;
  const double fx = std::floor(x);
  const double fy = std::floor(y);
  const int x0 = static_cast<int>(fx);
  const int y0 = static_cast<int>(fy);
  const double ax = x - fx;
  const double ay = y - fy;
  const double top = image.At(x0, y0) * (1 - ax) + image.At(x0 + 1, y0) * ax;
  const double bottom = image.At(x0, y0 + 1) * (1 - ax) + image.At(x0 + 1, y0 + 1) * ax;
  return top * (1 - ay) + bottom * ay;
}

using Matrix3 = std::array<double, 9>;

Matrix3 Inverse(const Matrix3& m) {
  const double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7],
               i = m[8];
  const double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  const Matrix3 adj = {e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g,
                       c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d};
  Matrix3 inv{};
  for (size_t k = 0; k < 9; ++k) inv[k] = adj[k] / det;
  return inv;
}

// The projective map of the unit square onto a quadrilateral (corners for (0,0), (1,0),
// (1,1), (0,1)), as a 3x3 matrix acting on (u, v, 1).
Matrix3 SquareToQuad(const std::array<double, 8>& q) {
  const double x0 = q[0], y0 = q[1], x1 = q[2], y1 = q[3], x2 = q[4], y2 = q[5], x3 = q[6],
               y3 = q[7];
  const double dx1 = x1 - x2, dx2 = x3 - x2, dx3 = x0 - x1 + x2 - x3;
  const double dy1 = y1 - y2, dy2 = y3 - y2, dy3 = y0 - y1 + y2 - y3;
  const double den = dx1 * dy2 - dx2 * dy1;
  const double g = (dx3 * dy2 - dx2 * dy3) / den;
  const double h = (dx1 * dy3 - dx3 * dy1) / den;
  return {x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1};
}

}  // namespace

GreyImage Scale(const GreyImage& image, double factor) {
  factor = std::clamp(factor, 0.1, 8.0);
  // Shrinking: average over the source footprint first (what a camera sensor does).
  GreyImage source = factor < 1.0 ? GaussianBlur(image, 0.5 / factor) : image;
  const int width = std::max(1, static_cast<int>(std::lround(image.width * factor)));
  const int height = std::max(1, static_cast<int>(std::lround(image.height * factor)));
  GreyImage out = Blank(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      Pixel(out, x, y) = Clamp(Sample(source, (x + 0.5) / factor - 0.5, (y + 0.5) / factor - 0.5));
    }
  }
  return out;
}

GreyImage GaussianBlur(const GreyImage& image, double sigma) {
  if (sigma <= 0) return image;
  const int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
  std::vector<double> kernel(static_cast<size_t>(2 * radius + 1));
  double sum = 0;
  for (int k = -radius; k <= radius; ++k) {
    const double w = std::exp(-(k * k) / (2 * sigma * sigma));
    kernel[static_cast<size_t>(k + radius)] = w;
    sum += w;
  }
  for (double& w : kernel) w /= sum;
  GreyImage pass = image;
  GreyImage out = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      double v = 0;
      for (int k = -radius; k <= radius; ++k) {
        v += kernel[static_cast<size_t>(k + radius)] * image.At(x + k, y);
      }
      Pixel(pass, x, y) = Clamp(v);
    }
  }
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      double v = 0;
      for (int k = -radius; k <= radius; ++k) {
        v += kernel[static_cast<size_t>(k + radius)] * pass.At(x, y + k);
      }
      Pixel(out, x, y) = Clamp(v);
    }
  }
  return out;
}

GreyImage AddNoise(const GreyImage& image, double sigma, uint32_t seed) {
  // xorshift32 and Box-Muller: the same numbers everywhere (std::normal_distribution is not).
  uint32_t state = seed == 0 ? 0x9E3779B9u : seed;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return (static_cast<double>(state) + 1.0) / 4294967297.0;  // (0, 1)
  };
  GreyImage out = image;
  for (uint8_t& p : out.pixels) {
    const double n = std::sqrt(-2 * std::log(next())) * std::cos(2 * std::numbers::pi * next());
    p = Clamp(p + sigma * n);
  }
  return out;
}

GreyImage Rotate(const GreyImage& image, double degrees) {
  const double r = degrees * std::numbers::pi / 180.0;
  const double c = std::cos(r);
  const double s = std::sin(r);
  const int width =
      static_cast<int>(std::ceil(std::abs(image.width * c) + std::abs(image.height * s) - 1e-6));
  const int height =
      static_cast<int>(std::ceil(std::abs(image.width * s) + std::abs(image.height * c) - 1e-6));
  GreyImage out = Blank(width, height);
  const double cx = image.width / 2.0, cy = image.height / 2.0;
  const double ox = width / 2.0, oy = height / 2.0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      // Inverse rotation of the output pixel centre (y grows downwards).
      const double dx = x + 0.5 - ox, dy = y + 0.5 - oy;
      const double sx = c * dx - s * dy + cx - 0.5;
      const double sy = s * dx + c * dy + cy - 0.5;
      Pixel(out, x, y) = Clamp(Sample(image, sx, sy));
    }
  }
  return out;
}

GreyImage PerspectiveSkew(const GreyImage& image, double top_shrink) {
  top_shrink = std::clamp(top_shrink, 0.0, 0.9);
  const double w = image.width, h = image.height;
  const double inset = w * top_shrink / 2;
  // The top edge further away: narrower, and the picture's rows compress towards it.
  const Matrix3 to_quad = SquareToQuad({inset, 0, w - inset, 0, w, h, 0, h});
  const Matrix3 from_quad = Inverse(to_quad);
  GreyImage out = Blank(image.width, image.height);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const double px = x + 0.5, py = y + 0.5;
      const double z = from_quad[6] * px + from_quad[7] * py + from_quad[8];
      const double u = (from_quad[0] * px + from_quad[1] * py + from_quad[2]) / z;
      const double v = (from_quad[3] * px + from_quad[4] * py + from_quad[5]) / z;
      if (u < 0 || u > 1 || v < 0 || v > 1) continue;
      Pixel(out, x, y) = Clamp(Sample(image, u * w - 0.5, v * h - 0.5));
    }
  }
  return out;
}

GreyImage Crop(const GreyImage& image, int x, int y, int w, int h) {
  x = std::clamp(x, 0, image.width);
  y = std::clamp(y, 0, image.height);
  w = std::clamp(w, 0, image.width - x);
  h = std::clamp(h, 0, image.height - y);
  GreyImage out = Blank(w, h);
  for (int row = 0; row < out.height && row < h; ++row) {
    for (int col = 0; col < out.width && col < w; ++col) {
      Pixel(out, col, row) = image.At(x + col, y + row);
    }
  }
  return out;
}

GreyImage Shift(const GreyImage& image, int dx, int dy) {
  dx = std::clamp(dx, 0, 63);
  dy = std::clamp(dy, 0, 63);
  GreyImage out = Blank(image.width + dx, image.height + dy);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) Pixel(out, x + dx, y + dy) = image.At(x, y);
  }
  return out;
}

namespace {

// cos((2x + 1) u pi / 16) with the DCT's normalisation C(u)/2 folded in.
const std::array<std::array<double, 8>, 8>& DctBasis() {
  static const std::array<std::array<double, 8>, 8> basis = [] {
    std::array<std::array<double, 8>, 8> b{};
    for (int u = 0; u < 8; ++u) {
      const double c = u == 0 ? std::sqrt(0.5) : 1.0;
      for (int x = 0; x < 8; ++x) {
        b[static_cast<size_t>(u)][static_cast<size_t>(x)] =
            c / 2 * std::cos((2 * x + 1) * u * std::numbers::pi / 16);
      }
    }
    return b;
  }();
  return basis;
}

// One 8 x 8 block through the forward DCT, quantisation and the inverse DCT, in place.
void JpegBlock(std::array<double, 64>& block, const std::array<int, 64>& quant) {
  const auto& b = DctBasis();
  std::array<double, 64> tmp{};
  std::array<double, 64> coeff{};
  // Forward, separable: rows then columns.
  for (size_t y = 0; y < 8; ++y) {
    for (size_t u = 0; u < 8; ++u) {
      double v = 0;
      for (size_t x = 0; x < 8; ++x) v += b[u][x] * block[y * 8 + x];
      tmp[y * 8 + u] = v;
    }
  }
  for (size_t v = 0; v < 8; ++v) {
    for (size_t u = 0; u < 8; ++u) {
      double sum = 0;
      for (size_t y = 0; y < 8; ++y) sum += b[v][y] * tmp[y * 8 + u];
      // The lossy step: round to the quantiser's step.
      const double q = quant[v * 8 + u];
      coeff[v * 8 + u] = std::round(sum / q) * q;
    }
  }
  // Inverse: columns then rows.
  for (size_t y = 0; y < 8; ++y) {
    for (size_t u = 0; u < 8; ++u) {
      double sum = 0;
      for (size_t v = 0; v < 8; ++v) sum += b[v][y] * coeff[v * 8 + u];
      tmp[y * 8 + u] = sum;
    }
  }
  for (size_t y = 0; y < 8; ++y) {
    for (size_t x = 0; x < 8; ++x) {
      double sum = 0;
      for (size_t u = 0; u < 8; ++u) sum += b[u][x] * tmp[y * 8 + u];
      block[y * 8 + x] = sum;
    }
  }
}

}  // namespace

GreyImage JpegCompress(const GreyImage& image, int quality) {
  // ITU-T T.81 Annex K, table K.1 (luminance), in row order.
  static constexpr std::array<int, 64> kLuminance = {
      16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
      14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
      18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
      49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
  quality = std::clamp(quality, 1, 100);
  const int scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  std::array<int, 64> quant{};
  for (size_t i = 0; i < 64; ++i) quant[i] = std::clamp((kLuminance[i] * scale + 50) / 100, 1, 255);
  GreyImage out = image;
  std::array<double, 64> block{};
  for (int by = 0; by < image.height; by += 8) {
    for (int bx = 0; bx < image.width; bx += 8) {
      // Edge blocks repeat the last row and column, as encoders pad.
      for (int y = 0; y < 8; ++y) {
        for (int x = 0; x < 8; ++x) {
          block[static_cast<size_t>(y * 8 + x)] = image.At(bx + x, by + y) - 128.0;
        }
      }
      JpegBlock(block, quant);
      for (int y = 0; y < 8 && by + y < image.height; ++y) {
        for (int x = 0; x < 8 && bx + x < image.width; ++x) {
          Pixel(out, bx + x, by + y) = Clamp(block[static_cast<size_t>(y * 8 + x)] + 128.0);
        }
      }
    }
  }
  return out;
}

GreyImage Fade(const GreyImage& image, int ink, int paper) {
  GreyImage out = image;
  for (uint8_t& p : out.pixels) p = Clamp(ink + (paper - ink) * (p / 255.0));
  return out;
}

GreyImage Shadow(const GreyImage& image, double darkest, double degrees) {
  const double r = degrees * std::numbers::pi / 180.0;
  const double dx = std::cos(r), dy = std::sin(r);
  // The projections of the corners onto the direction: the light runs from min to max.
  double low = 0, high = 0;
  for (const auto& [x, y] :
       {std::pair{0.0, 0.0}, std::pair{1.0 * image.width, 0.0}, std::pair{0.0, 1.0 * image.height},
        std::pair{1.0 * image.width, 1.0 * image.height}}) {
    low = std::min(low, x * dx + y * dy);
    high = std::max(high, x * dx + y * dy);
  }
  GreyImage out = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const double t = ((x + 0.5) * dx + (y + 0.5) * dy - low) / std::max(1e-9, high - low);
      Pixel(out, x, y) = Clamp(image.At(x, y) * (1 - (1 - darkest) * t));
    }
  }
  return out;
}

GreyImage Spotlight(const GreyImage& image, double darkest, double cx, double cy) {
  const double px = cx * image.width, py = cy * image.height;
  double far = 0;
  for (const auto& [x, y] :
       {std::pair{0.0, 0.0}, std::pair{1.0 * image.width, 0.0}, std::pair{0.0, 1.0 * image.height},
        std::pair{1.0 * image.width, 1.0 * image.height}}) {
    far = std::max(far, std::hypot(x - px, y - py));
  }
  GreyImage out = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const double d = std::hypot(x + 0.5 - px, y + 0.5 - py) / std::max(1e-9, far);
      Pixel(out, x, y) = Clamp(image.At(x, y) * (1 - (1 - darkest) * d * d));
    }
  }
  return out;
}

namespace {

// A deterministic number in [-1, 1] for `seed` and the parameter `which`; 0 for seed 0 (the
// nominal parameters).
double Jitter(uint32_t seed, uint32_t which) {
  if (seed == 0) return 0;
  uint64_t z = (uint64_t{seed} << 32 | which) + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ull << 52) - 1.0;
}

double Around(double nominal, double spread, uint32_t seed, uint32_t which) {
  return nominal + spread * Jitter(seed, which);
}

// Noise seeds of different degradations stay apart.
uint32_t NoiseSeed(uint32_t base, uint32_t seed) {
  return base * 7919u + seed * 104729u + 1u;
}

GreyImage ScaleBy(const GreyImage& i, double f, uint32_t s) {
  return Scale(i, Around(f, 0.04 * f, s, 1));
}
GreyImage BlurBy(const GreyImage& i, double sigma, uint32_t s) {
  return GaussianBlur(i, Around(sigma, 0.1 * sigma, s, 2));
}
GreyImage RotateBy(const GreyImage& i, double degrees, uint32_t s) {
  return Rotate(i, Around(degrees, 1.0, s, 3));
}
GreyImage SkewBy(const GreyImage& i, double shrink, uint32_t s) {
  return PerspectiveSkew(i, std::max(0.0, Around(shrink, 0.02, s, 4)));
}
// JPEG of the picture shifted against the 8 x 8 blocks by the seed.
GreyImage JpegBy(const GreyImage& i, int quality, uint32_t s) {
  const int dx = s == 0 ? 0 : static_cast<int>(std::lround(3.5 + 3.5 * Jitter(s, 5)));
  const int dy = s == 0 ? 0 : static_cast<int>(std::lround(3.5 + 3.5 * Jitter(s, 6)));
  return JpegCompress(Shift(i, dx, dy), quality);
}
GreyImage ShadowBy(const GreyImage& i, double darkest, uint32_t s) {
  return Shadow(i, darkest, 45 + 180 * Jitter(s, 7));
}
GreyImage SpotBy(const GreyImage& i, double darkest, uint32_t s) {
  return Spotlight(i, darkest, 0.5 + 0.3 * Jitter(s, 8), 0.4 + 0.3 * Jitter(s, 9));
}

}  // namespace

std::vector<Degradation> StandardDegradations() {
  using G = const GreyImage&;
  using S = uint32_t;
  return {
      {"clean", "clean", [](G i, S) { return i; }, false},
      {"scale x0.5", "scale", [](G i, S s) { return ScaleBy(i, 0.5, s); }},
      {"scale x0.75", "scale", [](G i, S s) { return ScaleBy(i, 0.75, s); }},
      {"scale x0.35", "scale", [](G i, S s) { return ScaleBy(i, 0.35, s); }},
      {"scale x0.25", "scale", [](G i, S s) { return ScaleBy(i, 0.25, s); }},
      {"scale x2", "scale", [](G i, S s) { return ScaleBy(i, 2.0, s); }},
      {"scale x4 (phone)", "scale", [](G i, S s) { return ScaleBy(i, 4.0, s); }},
      {"blur 1", "blur", [](G i, S s) { return BlurBy(i, 1.0, s); }},
      {"blur 2", "blur", [](G i, S s) { return BlurBy(i, 2.0, s); }},
      {"blur 3", "blur", [](G i, S s) { return BlurBy(i, 3.0, s); }},
      {"blur 4", "blur", [](G i, S s) { return BlurBy(i, 4.0, s); }},
      {"blur 5", "blur", [](G i, S s) { return BlurBy(i, 5.0, s); }},
      {"x2 blur 4", "blur", [](G i, S s) { return BlurBy(ScaleBy(i, 2.0, s), 4.0, s); }},
      {"noise 20", "noise", [](G i, S s) { return AddNoise(i, 20, NoiseSeed(1, s)); }},
      {"noise 40", "noise", [](G i, S s) { return AddNoise(i, 40, NoiseSeed(2, s)); }},
      {"noise 55", "noise", [](G i, S s) { return AddNoise(i, 55, NoiseSeed(6, s)); }},
      {"noise 70", "noise", [](G i, S s) { return AddNoise(i, 70, NoiseSeed(3, s)); }},
      {"rotate 3", "rotate", [](G i, S s) { return RotateBy(i, 3, s); }},
      {"rotate 10", "rotate", [](G i, S s) { return RotateBy(i, 10, s); }},
      {"rotate 30", "rotate", [](G i, S s) { return RotateBy(i, 30, s); }},
      {"rotate 45", "rotate", [](G i, S s) { return RotateBy(i, 45, s); }},
      {"rotate 90", "rotate", [](G i, S s) { return RotateBy(i, 90, s); }},
      {"rotate 180", "rotate", [](G i, S s) { return RotateBy(i, 180, s); }},
      {"skew 10%", "skew", [](G i, S s) { return SkewBy(i, 0.10, s); }},
      {"skew 20%", "skew", [](G i, S s) { return SkewBy(i, 0.20, s); }},
      {"skew 35%", "skew", [](G i, S s) { return SkewBy(i, 0.35, s); }},
      {"skew 50%", "skew", [](G i, S s) { return SkewBy(i, 0.50, s); }},
      {"rotate 20 skew 30%", "skew", [](G i, S s) { return SkewBy(RotateBy(i, 20, s), 0.30, s); }},
      {"jpeg 75", "jpeg", [](G i, S s) { return JpegBy(i, 75, s); }},
      {"jpeg 40", "jpeg", [](G i, S s) { return JpegBy(i, 40, s); }},
      {"jpeg 15", "jpeg", [](G i, S s) { return JpegBy(i, 15, s); }},
      {"x0.5 jpeg 40", "jpeg", [](G i, S s) { return JpegBy(ScaleBy(i, 0.5, s), 40, s); }},
      {"x0.5 jpeg 15", "jpeg", [](G i, S s) { return JpegBy(ScaleBy(i, 0.5, s), 15, s); }},
      {"fade 50%", "contrast",
       [](G i, S s) { return AddNoise(Fade(i, 128, 255), 3, NoiseSeed(9, s)); }},
      {"fade 70%", "contrast",
       [](G i, S s) { return AddNoise(Fade(i, 180, 255), 3, NoiseSeed(10, s)); }},
      {"fade 85%", "contrast",
       [](G i, S s) { return AddNoise(Fade(i, 217, 255), 3, NoiseSeed(11, s)); }},
      {"grey paper 90..170", "contrast",
       [](G i, S s) { return AddNoise(Fade(i, 90, 170), 3, NoiseSeed(12, s)); }},
      {"fade 70% noise 20", "contrast",
       [](G i, S s) { return AddNoise(Fade(i, 180, 255), 20, NoiseSeed(13, s)); }},
      {"shadow to 60%", "lighting", [](G i, S s) { return ShadowBy(i, 0.60, s); }},
      {"shadow to 30%", "lighting", [](G i, S s) { return ShadowBy(i, 0.30, s); }},
      {"shadow to 15%", "lighting", [](G i, S s) { return ShadowBy(i, 0.15, s); }},
      {"spotlight to 40%", "lighting", [](G i, S s) { return SpotBy(i, 0.40, s); }},
      {"spotlight to 20%", "lighting", [](G i, S s) { return SpotBy(i, 0.20, s); }},
      {"shadow 30% noise 15", "lighting",
       [](G i, S s) { return AddNoise(ShadowBy(i, 0.30, s), 15, NoiseSeed(14, s)); }},
      {"phone photo", "photo",
       [](G i, S s) {
         return AddNoise(BlurBy(SkewBy(RotateBy(ScaleBy(i, 2.5, s), 8, s), 0.12, s), 1.5, s), 12,
                         NoiseSeed(4, s));
       }},
      {"phone photo jpeg 40", "photo",
       [](G i, S s) {
         return JpegBy(AddNoise(BlurBy(SkewBy(RotateBy(ScaleBy(i, 2.5, s), 8, s), 0.12, s), 1.5, s),
                                12, NoiseSeed(15, s)),
                       40, s);
       }},
      {"dim photo jpeg 40", "photo",
       [](G i, S s) {
         return JpegBy(AddNoise(ShadowBy(Fade(RotateBy(ScaleBy(i, 1.5, s), 6, s), 60, 230), 0.5, s),
                                10, NoiseSeed(16, s)),
                       40, s);
       }},
      {"far photo", "photo",
       [](G i, S s) {
         return AddNoise(BlurBy(RotateBy(ScaleBy(i, 0.4, s), 15, s), 0.8, s), 20, NoiseSeed(8, s));
       }},
      {"low-res photo", "photo",
       [](G i, S s) {
         return AddNoise(BlurBy(RotateBy(ScaleBy(i, 0.6, s), 12, s), 0.8, s), 15, NoiseSeed(5, s));
       }},
  };
}

std::vector<Degradation> MildDegradations() {
  using G = const GreyImage&;
  using S = uint32_t;
  return {
      {"clean", "clean", [](G i, S) { return i; }, false},
      {"scale x2", "scale", [](G i, S s) { return ScaleBy(i, 2.0, s); }},
      {"blur 1", "blur", [](G i, S s) { return BlurBy(i, 1.0, s); }},
      {"rotate 5", "rotate", [](G i, S s) { return RotateBy(i, 5, s); }},
      {"noise 15", "noise", [](G i, S s) { return AddNoise(i, 15, NoiseSeed(7, s)); }},
      {"skew 10%", "skew", [](G i, S s) { return SkewBy(i, 0.10, s); }},
      {"jpeg 75", "jpeg", [](G i, S s) { return JpegBy(i, 75, s); }},
      {"fade 50%", "contrast", [](G i, S) { return Fade(i, 128, 255); }, false},
      {"shadow to 60%", "lighting", [](G i, S s) { return ShadowBy(i, 0.60, s); }},
  };
}

}  // namespace mykey::voucher::bench
