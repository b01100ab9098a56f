#pragma once
// One detection box as the nuScenes devkit's DetectionBox sees it (GT and predictions alike), and the
// per-sample collection the metrics iterate. Sample order is kept because the devkit's matching order
// (and therefore every tie-break) follows the insertion order of the results file.
#include <array>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

namespace cpq {

struct EvalBox {
  std::string sampleToken;
  std::array<double, 3> translation{0, 0, 0};  // global frame (nuScenes) or ego frame (range buckets)
  std::array<double, 3> size{1, 1, 1};         // w, l, h
  std::array<double, 4> rotation{1, 0, 0, 0};  // quaternion w, x, y, z; need not be normalised
  std::array<double, 2> velocity{0, 0};        // vx, vy; NaN = unknown
  std::string detectionName;
  double detectionScore = -1.0;  // -1 for GT, as in the devkit
  std::string attributeName;     // "" = none
  int numPts = -1;               // lidar + radar points; -1 for predictions (never filtered on)
};

// Yaw of a (possibly non-unit) quaternion: atan2(R[1,0], R[0,0]) of the normalised rotation matrix.
double quaternionYaw(const std::array<double, 4>& wxyz);

// Boxes grouped by sample token, samples in first-insertion order.
class EvalBoxes {
 public:
  // Appends a box to its sample (creating the sample at the end of the order when new).
  void add(const EvalBox& box);
  // Creates an empty sample (a sample with no boxes still counts for the token-set checks).
  void addSample(const std::string& token);

  const std::vector<std::string>& sampleTokens() const { return tokens_; }
  bool hasSample(const std::string& token) const { return index_.count(token) != 0; }
  // Index of a sample in sampleTokens(), or -1.
  int sampleIndex(const std::string& token) const;
  const std::vector<EvalBox>& boxes(size_t sampleIdx) const { return boxes_[sampleIdx]; }
  std::vector<EvalBox>& boxes(size_t sampleIdx) { return boxes_[sampleIdx]; }
  // Boxes of a sample by token; an unknown token has no boxes.
  const std::vector<EvalBox>& operator[](const std::string& token) const;
  size_t numSamples() const { return tokens_.size(); }
  size_t numBoxes() const;

 private:
  std::vector<std::string> tokens_;
  std::vector<std::vector<EvalBox>> boxes_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace cpq
