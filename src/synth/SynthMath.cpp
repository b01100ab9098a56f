#include "synth/SynthMath.h"

#include <cmath>

namespace cpq::synthmath {
namespace {

// pi/2 split for Cody-Waite reduction: k * kPio2a is exact for the |k| < 2^20 the generator uses.
constexpr double kPio2a = 1.57079632673412561417e+00;
constexpr double kPio2b = 6.07710050650619224932e-11;
constexpr double kPio2c = 2.02226624879595063154e-21;
constexpr double kPi = 3.14159265358979311600e+00;
constexpr double kPio4 = 7.85398163397448278999e-01;
constexpr double kLn2 = 6.93147180559945286227e-01;

// Taylor series on |r| <= pi/4: the first omitted term is below 2e-17.
double sinKernel(double r) {
  const double r2 = r * r;
  double term = r, sum = r;
  for (int n = 1; n <= 8; ++n) {
    term *= -r2 / ((2 * n) * (2 * n + 1));
    sum += term;
  }
  return sum;
}

double cosKernel(double r) {
  const double r2 = r * r;
  double term = 1.0, sum = 1.0;
  for (int n = 1; n <= 9; ++n) {
    term *= -r2 / ((2 * n - 1) * (2 * n));
    sum += term;
  }
  return sum;
}

// x = k * pi/2 + r with |r| <= pi/4 (about); quadrant = k mod 4.
double reduce(double x, int& quadrant) {
  const double k = std::round(x / kPio2a);
  const double r = ((x - k * kPio2a) - k * kPio2b) - k * kPio2c;
  const long long kq = static_cast<long long>(k);
  quadrant = static_cast<int>(((kq % 4) + 4) % 4);
  return r;
}

// atan on [0, 1]: two half-angle steps bring u below 0.1, where 9 series terms are exact to 1e-18.
double atanUnit(double t) {
  double scale = 1.0;
  for (int i = 0; i < 2; ++i) {
    t = t / (1.0 + std::sqrt(1.0 + t * t));
    scale *= 2.0;
  }
  const double t2 = t * t;
  double term = t, sum = t;
  for (int n = 1; n <= 9; ++n) {
    term *= -t2;
    sum += term / (2 * n + 1);
  }
  return scale * sum;
}

}  // namespace

double sin(double x) {
  int q;
  const double r = reduce(x, q);
  switch (q) {
    case 0:
      return sinKernel(r);
    case 1:
      return cosKernel(r);
    case 2:
      return -sinKernel(r);
    default:
      return -cosKernel(r);
  }
}

double cos(double x) {
  int q;
  const double r = reduce(x, q);
  switch (q) {
    case 0:
      return cosKernel(r);
    case 1:
      return -sinKernel(r);
    case 2:
      return -cosKernel(r);
    default:
      return sinKernel(r);
  }
}

double atan2(double y, double x) {
  if (x == 0.0 && y == 0.0) return 0.0;
  const double ax = std::abs(x), ay = std::abs(y);
  double a = ay <= ax ? atanUnit(ay / ax) : 2 * kPio4 - atanUnit(ax / ay);  // angle in [0, pi/2]
  if (x < 0) a = kPi - a;
  return y < 0 ? -a : a;
}

double asin(double x) { return atan2(x, std::sqrt((1.0 - x) * (1.0 + x))); }

double log(double x) {
  int e;
  double m = std::frexp(x, &e);  // x = m 2^e, m in [0.5, 1): exact
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    --e;
  }
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;  // |s| <= 0.172
  double term = s, sum = s;
  for (int n = 1; n <= 12; ++n) {
    term *= s2;
    sum += term / (2 * n + 1);
  }
  return 2.0 * sum + e * kLn2;
}

double hypot(double x, double y) { return std::sqrt(x * x + y * y); }

}  // namespace cpq::synthmath
