#pragma once
// One quantized layer's calibration histogram of |input| with the amax it got and the amax the other
// searches would have chosen on the same histogram (quant/AmaxSearch): the counts on a log scale (grey
// columns; a column sums the bins that fall on it), the chosen amax as a thick black line and each
// alternative as a thin line of its own colour drawn over it (so a coinciding alternative stays visible),
// a title line (layer, SQNR, method) and a legend with the values. The x axis runs linearly from 0 to the
// largest of the histogram's upper edge and the amaxes, with five labelled ticks; the y axis has a grid
// line per decade of counts, labelled 1, 10, 100, 1e3, ...
#include <string>
#include <vector>

#include "core/RgbImage.h"
#include "ptq/PlotCanvas.h"
#include "quant/CalibrationManager.h"
#include "quant/QuantDescriptor.h"

namespace cpq {

struct AmaxCandidate {
  std::string name;  // "max", "percentile(99.99)", "mse", "entropy"
  double amax = 0;
  PlotColour colour;
};

// What max, percentile 99.99, the configured percentile (when it is not 99.99), mse and entropy choose on
// `histogram`, in that order; mse and entropy search with the configured startBin and stride and are left
// out when the search has no candidate (fewer bins than startBin). maxAbs: the largest |x| seen
// (LayerCalibration::inputStats.maxAbs). Empty for an empty histogram.
std::vector<AmaxCandidate> alternativeAmax(const InputHistogram& histogram, double maxAbs,
                                           const AmaxOptions& configured);

struct AmaxHistogramPanel {
  std::string layer;
  double sqnrDb = 0;
  std::string method;  // LayerCalibration::method
  double chosenAmax = 0;
  InputHistogram histogram;
  std::vector<AmaxCandidate> alternatives;
};

// The panel of one layer of calibration (its histogram must not be empty: cpq::Error otherwise).
AmaxHistogramPanel amaxHistogramPanel(const LayerCalibration& layer, double sqnrDb,
                                      const AmaxOptions& configured);

// Where a panel puts things, for the renderer and the tests.
struct AmaxHistogramLayout {
  int plotLeft = 0, plotTop = 0, plotWidth = 0, plotHeight = 0;  // within the panel
  double xMax = 1;
  // Pixel column of an |x| value.
  int column(double value) const;
};
AmaxHistogramLayout amaxHistogramLayout(const AmaxHistogramPanel& panel, int width, int height);

// The panels stacked top to bottom, each width x panelHeight, white background.
RgbImage renderAmaxHistograms(const std::vector<AmaxHistogramPanel>& panels, int width = 900,
                              int panelHeight = 260);

}  // namespace cpq
