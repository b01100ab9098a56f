#include "eval/NumpyCompat.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cpq::npc {
namespace {

// numpy's pairwise_sum for float64 (PW_BLOCKSIZE 128).
double pairwise(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

}  // namespace

double sum(const double* a, size_t n) {
  if (n == 0) return 0.0;
  // A reduction starts from the first element and feeds the rest to the inner loop.
  return a[0] + pairwise(a + 1, n - 1);
}

double mean(const double* a, size_t n) {
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  return sum(a, n) / static_cast<double>(n);
}

double nanmean(const std::vector<double>& v) {
  std::vector<double> filled(v);
  size_t count = 0;
  for (double& x : filled) {
    if (std::isnan(x))
      x = 0.0;
    else
      ++count;
  }
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  return sum(filled) / static_cast<double>(count);
}

std::vector<double> interp(const std::vector<double>& x, const std::vector<double>& xp,
                           const std::vector<double>& fp, double left, double right) {
  std::vector<double> out(x.size());
  const size_t n = xp.size();
  for (size_t i = 0; i < x.size(); ++i) {
    const double xv = x[i];
    if (std::isnan(xv)) {
      out[i] = xv;
      continue;
    }
    if (n == 1) {
      out[i] = xv < xp[0] ? left : (xv > xp[0] ? right : fp[0]);
      continue;
    }
    if (xv < xp[0]) {
      out[i] = left;
      continue;
    }
    if (xv > xp[n - 1]) {
      out[i] = right;
      continue;
    }
    // Last index j with xp[j] <= x.
    const size_t j = static_cast<size_t>(std::upper_bound(xp.begin(), xp.end(), xv) - xp.begin()) - 1;
    if (j == n - 1 || xp[j] == xv) {
      out[i] = fp[j];
      continue;
    }
    const double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    double r = slope * (xv - xp[j]) + fp[j];
    if (std::isnan(r)) {
      r = slope * (xv - xp[j + 1]) + fp[j + 1];
      if (std::isnan(r) && fp[j] == fp[j + 1]) r = fp[j];
    }
    out[i] = r;
  }
  return out;
}

std::vector<double> interp(const std::vector<double>& x, const std::vector<double>& xp,
                           const std::vector<double>& fp) {
  return interp(x, xp, fp, fp.front(), fp.back());
}

std::vector<double> linspace01(int n) {
  std::vector<double> y(static_cast<size_t>(n));
  if (n == 1) {
    y[0] = 0.0;
    return y;
  }
  const double step = 1.0 / static_cast<double>(n - 1);
  for (int i = 0; i < n; ++i) y[static_cast<size_t>(i)] = static_cast<double>(i) * step;
  y.back() = 1.0;
  return y;
}

double pyMod(double a, double p) {
  double m = std::fmod(a, p);
  if (m != 0.0) {
    if ((p < 0) != (m < 0)) m += p;
  } else {
    m = std::copysign(0.0, p);
  }
  return m;
}

}  // namespace cpq::npc
