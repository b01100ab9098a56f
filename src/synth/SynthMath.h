#pragma once
// Portable sin, cos, atan2, asin, log and hypot for the generator. libm's results may differ in the last
// bit between C libraries, versions and CPUs (glibc picks FMA code paths at run time), and one such bit moves
// a point, a token-free RNG draw or a box edge, so the same seed would not give the same bytes on another
// machine. These use only + - * / and sqrt (IEEE-exact everywhere; the build uses -std=c++17, so no FMA
// contraction), with argument reduction and series accurate to ~1e-16: slower than libm, identical
// everywhere. Float callers compute in double and round once.
namespace cpq::synthmath {

double sin(double x);
double cos(double x);
double atan2(double y, double x);
double asin(double x);  // |x| <= 1
double log(double x);   // x > 0
double hypot(double x, double y);

}  // namespace cpq::synthmath
