#pragma once

// Simple image operations on greyscale pictures that turn a clean render of a voucher into
// something like a phone photo: resampling, blur, noise, rotation and perspective skew. For the
// scan bench and the degraded-image tests; plain loops, no image library.

#include <cstdint>
#include <string>
#include <vector>

#include "mykey/receipt/image.h"

namespace mykey::voucher::bench {

/// Resamples by `factor` (0.1..8) with bilinear interpolation (area-averaged when shrinking).
receipt::GreyImage Scale(const receipt::GreyImage& image, double factor);

/// Gaussian blur with standard deviation `sigma` pixels (separable, kernel radius 3 sigma).
receipt::GreyImage GaussianBlur(const receipt::GreyImage& image, double sigma);

/// Adds Gaussian noise of standard deviation `sigma` grey levels, from a fixed `seed` (the same
/// seed gives the same picture on every platform).
receipt::GreyImage AddNoise(const receipt::GreyImage& image, double sigma, uint32_t seed);

/// Rotates by `degrees` (counter-clockwise) about the centre onto a canvas large enough for the
/// whole picture, white outside, bilinear.
receipt::GreyImage Rotate(const receipt::GreyImage& image, double degrees);

/// Perspective (keystone) skew as when a phone is tilted: the top edge is shortened by
/// `top_shrink` (0..0.9) of the width, symmetrically, and the picture is seen under a true
/// projective mapping (rows compress towards the top), white outside.
receipt::GreyImage PerspectiveSkew(const receipt::GreyImage& image, double top_shrink);

/// Crops to the rectangle (clipped).
receipt::GreyImage Crop(const receipt::GreyImage& image, int x, int y, int w, int h);

/// Moves the picture by (dx, dy) pixels (0..63) on a white canvas that grows by as much: shifts
/// the picture against JPEG's 8 x 8 blocks.
receipt::GreyImage Shift(const receipt::GreyImage& image, int dx, int dy);

/// What a baseline JPEG encoder and decoder at `quality` (1..100) do to a grey picture: level
/// shift, 8 x 8 DCT, quantisation with the standard luminance table (ITU-T T.81 K.1) scaled
/// as libjpeg and stb_image_write scale it (quality < 50: 5000 / quality %, else 200 - 2 x
/// quality %), rounding, dequantisation and the inverse DCT. The entropy coding JPEG adds is
/// lossless and left out. (stb_image_write itself may only be used in sdk/receipt/src, the
/// one place of that library.)
receipt::GreyImage JpegCompress(const receipt::GreyImage& image, int quality);

/// A faded or low-contrast print: black (0) becomes `ink`, white (255) becomes `paper`, linear
/// in between (ink 160, paper 255: a print with 37 % of its contrast left).
receipt::GreyImage Fade(const receipt::GreyImage& image, int ink, int paper);

/// Uneven lighting: the picture multiplied by a light that falls linearly from 1 on one side
/// to `darkest` (0..1) on the other, across the direction `degrees` (0: left to right, 90: top
/// to bottom); a shadow across the page.
receipt::GreyImage Shadow(const receipt::GreyImage& image, double darkest, double degrees);

/// Uneven lighting: a light spot at (cx, cy) (fractions of the size) falling to `darkest` at
/// the farthest corner, quadratically (a lamp or a flash close to the paper).
receipt::GreyImage Spotlight(const receipt::GreyImage& image, double darkest, double cx, double cy);

/// A named degradation for the bench and tests: `apply(image, seed)`. Seed 0 is the nominal
/// parameters; other seeds vary them a little (angle +-1 degree, scale +-4 %, blur +-10 %,
/// skew +-2 points, the noise, the JPEG block alignment, the light's direction), so that one
/// lucky or unlucky sample does not decide a figure.
struct Degradation {
  std::string name;
  std::string category;  ///< "clean", "scale", "blur", "noise", "rotate", "skew", "jpeg",
                         ///< "contrast", "lighting", "photo"
  receipt::GreyImage (*apply)(const receipt::GreyImage&, uint32_t seed);
  bool seeded = true;  ///< false: every seed gives the same picture (run once)
};

/// The bench's list: clean, scales (phone-photo down and up), blurs, noise, rotations,
/// perspective skews, JPEG at quality 75, 40 and 15, faded prints, shadows and spots, and
/// combined "photos".
std::vector<Degradation> StandardDegradations();

/// The mild ones a test asserts always decode (any seed): clean, scaled x2, blur 1, rotation 5
/// degrees, noise 15, skew 10 %, JPEG quality 75, faded to half contrast, a 60 % shadow.
std::vector<Degradation> MildDegradations();

}  // namespace mykey::voucher::bench
