#pragma once
// The few numpy/Python numeric primitives the devkit's metrics depend on, with numpy's exact semantics
// (summation order, interp's duplicate-abscissa rule, Python's floor modulo), so results match the devkit
// to the last few ulps rather than merely "closely".
#include <cstddef>
#include <vector>

namespace cpq::npc {

// np.sum of a contiguous float64 array: first element, then numpy's pairwise (8-way unrolled) sum of the rest.
double sum(const double* a, size_t n);
inline double sum(const std::vector<double>& v) { return sum(v.data(), v.size()); }
// np.mean (NaN if empty).
double mean(const double* a, size_t n);
inline double mean(const std::vector<double>& v) { return mean(v.data(), v.size()); }
// np.nanmean: NaNs replaced by 0 for the sum, divided by the count of non-NaN values.
double nanmean(const std::vector<double>& v);

// np.interp(x, xp, fp, left, right); xp non-decreasing. A query equal to a repeated xp value takes the
// RIGHTMOST of the repeated entries, as numpy's search does.
std::vector<double> interp(const std::vector<double>& x, const std::vector<double>& xp,
                           const std::vector<double>& fp, double left, double right);
// Same with numpy's defaults left = fp[0], right = fp[-1].
std::vector<double> interp(const std::vector<double>& x, const std::vector<double>& xp,
                           const std::vector<double>& fp);

// np.linspace(0, 1, n) (i * step, last = 1 exactly).
std::vector<double> linspace01(int n);

// Python's float modulo (result has the sign of the divisor).
double pyMod(double a, double p);

}  // namespace cpq::npc
