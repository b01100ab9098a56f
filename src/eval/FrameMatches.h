#pragma once
// The devkit's matching of one class (accumulate) at each of its distance thresholds, kept per detection
// together with the frame the detection belongs to. Matching is decided within a frame (a detection can only
// take GT of its own sample, in score order), so a detection's TP/FP outcome does not depend on which other
// frames are evaluated with it: AP for any re-weighting of the frames (a bootstrap resample) follows from
// these outcomes by re-walking the precision/recall curve, without matching again.
#include <cstdint>
#include <string>
#include <vector>

#include "eval/EvalBox.h"

namespace cpq {

struct FrameMatches {
  static constexpr size_t kMaxThresholds = 8;
  // Detections of the class in the devkit's order (score descending; among equal scores the later one in
  // results order first).
  std::vector<double> distThs;  // at most kMaxThresholds
  std::vector<uint8_t> tp;      // bit t set: matched a GT box strictly closer than distThs[t]
  // Blocks of consecutive detections with the same frame and the same score: [blockEnd[k-1], blockEnd[k]).
  // A resample that counts a frame w times repeats each of its blocks w times in place, which is exactly
  // the devkit's order for w consecutive copies of the frame in the results.
  std::vector<uint32_t> blockEnd;
  std::vector<uint32_t> blockFrame;  // the frame of each block
  // Per threshold, the true positives grouped by block: blocks tpBlock[j] for j in [0, n), their TPs'
  // positions within the block tpPos[tpStart[j] .. tpStart[j + 1]). What a resample walks instead of every
  // detection.
  struct ThresholdTps {
    std::vector<uint32_t> tpBlock, tpFrame, tpStart, tpPos;  // tpFrame[j] = blockFrame[tpBlock[j]]
  };
  std::vector<ThresholdTps> tps;
  std::vector<uint32_t> gtPerFrame;  // GT boxes of the class per frame (the devkit's npos)
};

// Frames are gt's samples in order; a prediction of a sample gt does not have is a cpq::Error. The order of
// the detections does not depend on the threshold, so one FrameMatches serves every threshold.
FrameMatches matchFrames(const EvalBoxes& gt, const EvalBoxes& pred, const std::string& className,
                         const std::vector<double>& distThs);

// Scratch buffers reused between calls (one per thread).
struct ApScratch {
  std::vector<double> precision;
  std::vector<double> pointsBefore;  // per block: detections (with repeats) before it in the resample
};

// Per threshold, calcAp of the curve the devkit would compute on the results in which frame f appears
// weights[f] times (consecutive copies, in results order); equal to calcAp(accumulate(...)) when every
// weight is 1.
std::vector<double> resampledAps(const FrameMatches& matches, const std::vector<uint32_t>& weights,
                                 double minRecall, double minPrecision, ApScratch& scratch);

}  // namespace cpq
