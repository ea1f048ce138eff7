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

/// A named degradation for the bench and tests.
struct Degradation {
  std::string name;
  receipt::GreyImage (*apply)(const receipt::GreyImage&);
};

/// The bench's list: clean, scales (phone-photo down and up), blurs, noise, rotations,
/// perspective skews and a combined "phone photo".
std::vector<Degradation> StandardDegradations();

/// The mild ones a test asserts always decode: clean, scaled x2, blur 1, rotation 5 degrees,
/// noise 15, skew 10 %.
std::vector<Degradation> MildDegradations();

}  // namespace mykey::voucher::bench
