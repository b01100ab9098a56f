#pragma once
// The PTQ report's pictures, rendered in memory so that the run can write every file at the end (no partial
// outputs): FP32 vs INT8 mAP per range bucket with the paired intervals (ptq/BucketChart), the input
// histograms of the layers with the lowest SQNR with the chosen and the alternative amax
// (ptq/AmaxHistogramPlot), and a bird's-eye view of the frame where FP32 and INT8 differ most
// (ptq/DisagreementFrame). Each figure comes with the Markdown caption that explains it; the images carry
// only short labels.
#include <optional>
#include <string>
#include <vector>

#include "core/RgbImage.h"
#include "ptq/BucketChart.h"
#include "ptq/DisagreementFrame.h"
#include "quant/CalibrationManager.h"
#include "quant/LayerSqnr.h"
#include "quant/QuantDescriptor.h"

namespace cpq {

struct PtqFigureInputs {
  // Per range bucket in report order ("0-20", ..., "overall"); empty: no bucket chart.
  std::vector<BucketBars> buckets;
  // Calibration and per-layer SQNR (matched by layer name): the histogramLayers layers with the lowest
  // finite SQNR among those that have an input histogram get a histogram panel; none: no histogram figure.
  std::vector<LayerCalibration> calibration;
  std::vector<LayerSqnr> sqnr;
  AmaxOptions amaxOptions;  // the recipe's (QuantRecipe::amaxOptions()): the configured percentile,
                            // mse/entropy search
  int histogramLayers = 3;
  // The frame of mostDisagreeingFrame with its points; absent: no BEV figure.
  std::optional<DisagreementFrameView> frame;
};

struct PtqFigure {
  std::string suffix;   // "buckets.png", "hist.png", "bev.png": written as <stem>.<suffix> beside <stem>.md
  std::string title;    // short, for the Markdown image's alt text
  std::string caption;  // Markdown paragraph placed under the image
  RgbImage image;
};

// The layers the histogram figure shows: lowest finite SQNR first, only layers with an input histogram, at
// most `count`; layers without an SQNR entry are left out.
std::vector<const LayerCalibration*> lowestSqnrLayers(const std::vector<LayerCalibration>& calibration,
                                                      const std::vector<LayerSqnr>& sqnr, int count);

// Every figure the inputs allow, in the order buckets, hist, bev. Writes nothing.
std::vector<PtqFigure> renderPtqFigures(const PtqFigureInputs& inputs);

// The Markdown that shows a figure written as `fileName` (relative to the .md): "![title](fileName)" and
// the caption, as a paragraph.
std::string figureMarkdown(const PtqFigure& figure, const std::string& fileName);

}  // namespace cpq
