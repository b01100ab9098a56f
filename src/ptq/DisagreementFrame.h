#pragma once
// The frame where FP32 and INT8 detections differ most, and a bird's-eye picture of it.
//
// Definition (per frame, lidar frame, BEV centre distances): a detection counts when its score is at least
// minScore; a box "finds" another when it has the same class and its centre lies within matchDistance.
// Ground truth counts when its class is one of the model's classes and it has lidar/radar points (as the
// range-bucketed mAP keeps it). Per frame:
//   gtFoundByFp32Only / gtFoundByInt8Only: GT boxes that a detection of one model finds and none of the
//     other does (an object quantization lost, or gained);
//   extraFp32 / extraInt8: detections of one model that find neither a GT box nor a detection of the other
//     model (a false positive only one model makes).
// The disagreement is the sum of the four: what a user would see change when switching FP32 for INT8,
// counted in objects, with ground truth deciding which model is right. The most disagreeing frame is the
// one with the largest sum, the lower frame index on ties.
#include <ATen/ATen.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/RgbImage.h"
#include "decode/Detection.h"
#include "eval/EvalBox.h"
#include "synth/BevRenderer.h"

namespace cpq {

struct DisagreementOptions {
  double minScore = 0.3;       // weaker detections are neither counted nor drawn
  double matchDistance = 2.0;  // m, BEV centre distance
};

struct FrameDisagreement {
  size_t frame = 0;  // index into the per-frame lists
  int gtFoundByBoth = 0;
  int gtFoundByFp32Only = 0, gtFoundByInt8Only = 0;
  int extraFp32 = 0, extraInt8 = 0;
  int total() const { return gtFoundByFp32Only + gtFoundByInt8Only + extraFp32 + extraInt8; }
};

// One entry per frame, in order. fp32[i], int8[i]: detections of frame i (Detection::label indexes
// classNames); gt[i]: its ground truth in the lidar frame, named like classNames (eval's
// lidarGroundTruth). cpq::Error when the three lists differ in length.
std::vector<FrameDisagreement> frameDisagreements(const std::vector<std::vector<Detection>>& fp32,
                                                  const std::vector<std::vector<Detection>>& int8,
                                                  const std::vector<std::vector<EvalBox>>& gt,
                                                  const std::vector<std::string>& classNames,
                                                  const DisagreementOptions& options = {});

// The frame with the largest total(), the lower index on ties; cpq::Error when there is no frame.
FrameDisagreement mostDisagreeingFrame(const std::vector<std::vector<Detection>>& fp32,
                                       const std::vector<std::vector<Detection>>& int8,
                                       const std::vector<std::vector<EvalBox>>& gt,
                                       const std::vector<std::string>& classNames,
                                       const DisagreementOptions& options = {});

struct DisagreementFrameView {
  at::Tensor points;  // [N, >= 3] float32 rows, x y z first (lidar frame); may be empty
  std::vector<EvalBox> gt;
  std::vector<Detection> fp32, int8;
  std::vector<std::string> classNames;
  FrameDisagreement disagreement;  // of this frame (mostDisagreeingFrame)
  std::string sampleToken;
  DisagreementOptions options;
  BevView view{640, 60.0};  // of each panel
};

// Two BEV panels side by side, FP32 left and INT8 right, under a title strip (frame, token, counts). Each
// panel is synth's renderBev of the points with the counted GT (green) and that model's counted
// detections (orange); over it, thick red boxes mark GT that the other model finds and this one misses,
// thick magenta boxes this model's extra detections. Panels are view.pixels square, 4 pixels apart.
RgbImage renderDisagreementFrame(const DisagreementFrameView& view);

}  // namespace cpq
