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

std::vector<Degradation> StandardDegradations() {
  return {
      {"clean", [](const GreyImage& i) { return i; }},
      {"scale x0.5", [](const GreyImage& i) { return Scale(i, 0.5); }},
      {"scale x0.75", [](const GreyImage& i) { return Scale(i, 0.75); }},
      {"scale x0.35", [](const GreyImage& i) { return Scale(i, 0.35); }},
      {"scale x0.25", [](const GreyImage& i) { return Scale(i, 0.25); }},
      {"scale x2", [](const GreyImage& i) { return Scale(i, 2.0); }},
      {"scale x4 (phone)", [](const GreyImage& i) { return Scale(i, 4.0); }},
      {"blur 1", [](const GreyImage& i) { return GaussianBlur(i, 1.0); }},
      {"blur 2", [](const GreyImage& i) { return GaussianBlur(i, 2.0); }},
      {"blur 3", [](const GreyImage& i) { return GaussianBlur(i, 3.0); }},
      {"blur 4", [](const GreyImage& i) { return GaussianBlur(i, 4.0); }},
      {"blur 5", [](const GreyImage& i) { return GaussianBlur(i, 5.0); }},
      {"x2 blur 4", [](const GreyImage& i) { return GaussianBlur(Scale(i, 2.0), 4.0); }},
      {"noise 20", [](const GreyImage& i) { return AddNoise(i, 20, 1); }},
      {"noise 40", [](const GreyImage& i) { return AddNoise(i, 40, 2); }},
      {"noise 55", [](const GreyImage& i) { return AddNoise(i, 55, 6); }},
      {"noise 70", [](const GreyImage& i) { return AddNoise(i, 70, 3); }},
      {"rotate 3", [](const GreyImage& i) { return Rotate(i, 3); }},
      {"rotate 10", [](const GreyImage& i) { return Rotate(i, 10); }},
      {"rotate 30", [](const GreyImage& i) { return Rotate(i, 30); }},
      {"rotate 45", [](const GreyImage& i) { return Rotate(i, 45); }},
      {"rotate 90", [](const GreyImage& i) { return Rotate(i, 90); }},
      {"rotate 180", [](const GreyImage& i) { return Rotate(i, 180); }},
      {"skew 10%", [](const GreyImage& i) { return PerspectiveSkew(i, 0.10); }},
      {"skew 20%", [](const GreyImage& i) { return PerspectiveSkew(i, 0.20); }},
      {"skew 35%", [](const GreyImage& i) { return PerspectiveSkew(i, 0.35); }},
      {"skew 50%", [](const GreyImage& i) { return PerspectiveSkew(i, 0.50); }},
      {"rotate 20 skew 30%",
       [](const GreyImage& i) { return PerspectiveSkew(Rotate(i, 20), 0.30); }},
      {"phone photo",
       [](const GreyImage& i) {
         return AddNoise(GaussianBlur(PerspectiveSkew(Rotate(Scale(i, 2.5), 8), 0.12), 1.5), 12, 4);
       }},
      {"far photo",
       [](const GreyImage& i) {
         return AddNoise(GaussianBlur(Rotate(Scale(i, 0.4), 15), 0.8), 20, 8);
       }},
      {"low-res photo",
       [](const GreyImage& i) {
         return AddNoise(GaussianBlur(Rotate(Scale(i, 0.6), 12), 0.8), 15, 5);
       }},
  };
}

std::vector<Degradation> MildDegradations() {
  return {
      {"clean", [](const GreyImage& i) { return i; }},
      {"scale x2", [](const GreyImage& i) { return Scale(i, 2.0); }},
      {"blur 1", [](const GreyImage& i) { return GaussianBlur(i, 1.0); }},
      {"rotate 5", [](const GreyImage& i) { return Rotate(i, 5); }},
      {"noise 15", [](const GreyImage& i) { return AddNoise(i, 15, 7); }},
      {"skew 10%", [](const GreyImage& i) { return PerspectiveSkew(i, 0.10); }},
  };
}

}  // namespace mykey::voucher::bench
