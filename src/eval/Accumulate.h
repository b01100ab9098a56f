#pragma once
// The devkit's accumulate(): greedy score-ordered matching of one class at one distance threshold, the
// 101-point precision/confidence curves and the TP error curves on the same recall grid.
#include <string>
#include <vector>

#include "eval/EvalBox.h"

namespace cpq {

struct DetectionMetricData {
  static constexpr int kNumPoints = 101;
  std::vector<double> recall, precision, confidence;
  std::vector<double> transErr, velErr, scaleErr, orientErr, attrErr;

  // Precision and confidence 0, every error 1: no GT of the class or nothing matched.
  static DetectionMetricData noPredictions();
  // Last recall index with non-zero confidence (0 if none).
  int maxRecallInd() const;
  // Error curve by devkit metric name (trans_err, scale_err, orient_err, vel_err, attr_err).
  const std::vector<double>& errorCurve(const std::string& metric) const;
};

// The devkit's matching order of predictions given in results order: it sorts (score, index) pairs ascending
// and reverses, so score descending and, among equal scores, the larger original index first.
std::vector<size_t> devkitScoreOrder(const std::vector<const EvalBox*>& preds);

// Center-distance matching; a prediction matches iff its nearest untaken GT of the same sample and class
// is strictly closer than distTh.
DetectionMetricData accumulate(const EvalBoxes& gt, const EvalBoxes& pred, const std::string& className,
                               double distTh);

// Devkit cummean: running mean ignoring NaNs (leading NaNs give 0); all-NaN gives ones.
std::vector<double> cummean(const std::vector<double>& x);

}  // namespace cpq
