#include "eval/EvalBox.h"

#include <cmath>

namespace cpq {

double quaternionYaw(const std::array<double, 4>& q) {
  // pyquaternion normalises unless the squared norm is within 1e-14 of one; mirror that so unit
  // quaternions are used bit-for-bit as the devkit uses them.
  double w = q[0], x = q[1], y = q[2], z = q[3];
  const double sumSq = w * w + x * x + y * y + z * z;
  if (std::abs(1.0 - sumSq) >= 1e-14) {
    const double n = std::sqrt(sumSq);
    if (n > 0) {
      w /= n;
      x /= n;
      y /= n;
      z /= n;
    }
  }
  // Rotation-matrix entries in pyquaternion's product order (Q * Qbar^T).
  const double r00 = x * x + w * w + (-z) * z + y * (-y);
  const double r10 = y * x + z * w + w * z + (-x) * (-y);
  return std::atan2(r10, r00);
}

void EvalBoxes::addSample(const std::string& token) {
  if (index_.count(token)) return;
  index_.emplace(token, tokens_.size());
  tokens_.push_back(token);
  boxes_.emplace_back();
}

void EvalBoxes::add(const EvalBox& box) {
  addSample(box.sampleToken);
  boxes_[index_.at(box.sampleToken)].push_back(box);
}

int EvalBoxes::sampleIndex(const std::string& token) const {
  auto it = index_.find(token);
  return it == index_.end() ? -1 : static_cast<int>(it->second);
}

const std::vector<EvalBox>& EvalBoxes::operator[](const std::string& token) const {
  static const std::vector<EvalBox> kEmpty;
  auto it = index_.find(token);
  return it == index_.end() ? kEmpty : boxes_[it->second];
}

size_t EvalBoxes::numBoxes() const {
  size_t n = 0;
  for (const auto& b : boxes_) n += b.size();
  return n;
}

}  // namespace cpq
