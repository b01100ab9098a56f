// The PTQ report's figures: the bitmap font and canvas, the bucket chart's bars and whiskers, the amax
// histogram's lines and log scale, the alternative amax searches, the disagreement-frame pick and its BEV
// picture, the figure list with captions, and the input histogram the calibration now keeps.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>

#include "core/Error.h"
#include "ptq/AmaxHistogramPlot.h"
#include "ptq/BucketChart.h"
#include "ptq/DisagreementFrame.h"
#include "ptq/PlotCanvas.h"
#include "ptq/ReportFigures.h"
#include "quant/AmaxSearch.h"
#include "quant/CalibrationManager.h"
#include "quant/QuantInsertion.h"
#include "quant/QuantLayers.h"

namespace cpq {
namespace {

constexpr PlotColour kWhite{255, 255, 255}, kBlack{0, 0, 0};

int inkIn(const PlotCanvas& c, int x0, int y0, int x1, int y1, PlotColour ink) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += c.pixel(x, y) == ink;
  return n;
}

TEST(PlotCanvas, TextStaysInItsCellsAndLowercaseIsUppercase) {
  PlotCanvas c(40, 12, kWhite);
  c.text(1, 1, "1-a", kBlack);
  EXPECT_EQ(PlotCanvas::textWidth("1-a"), 17);
  // '1' has 10 ink pixels, '-' 5 and 'A' 18, all inside the 17 x 7 text box.
  EXPECT_EQ(inkIn(c, 0, 0, 40, 12, kBlack), 10 + 5 + 18);
  EXPECT_EQ(inkIn(c, 1, 1, 18, 8, kBlack), 33);
  PlotCanvas upper(40, 12, kWhite);
  upper.text(1, 1, "1-A", kBlack);
  EXPECT_EQ(upper.image().rgb, c.image().rgb);
  // Unknown characters are blanks; scale 2 quadruples the ink.
  PlotCanvas big(40, 20, kWhite);
  big.text(0, 0,
           "\x01"
           "1",
           kBlack, 2);
  EXPECT_EQ(inkIn(big, 0, 0, 12, 20, kBlack), 0);
  EXPECT_EQ(inkIn(big, 12, 0, 40, 20, kBlack), 40);
}

TEST(PlotCanvas, ThickLinesAndClipping) {
  PlotCanvas c(10, 10, kWhite);
  c.line(2, 5, 7, 5, kBlack, 3);  // rows 4..6, columns 1..8
  EXPECT_EQ(inkIn(c, 0, 0, 10, 10, kBlack), 3 * 8);
  EXPECT_EQ(c.pixel(1, 4), kBlack);
  EXPECT_EQ(c.pixel(8, 6), kBlack);
  EXPECT_EQ(c.pixel(5, 3), kWhite);
  c.fillRect(-5, -5, 3, 2, {1, 2, 3});  // clipped to [0, 3) x [0, 2)
  EXPECT_EQ(inkIn(c, 0, 0, 10, 10, {1, 2, 3}), 6);
}

std::vector<BucketBars> twoBuckets() {
  return {{"0-20", 0.5, 0.4, true, -0.15, 0.05}, {"overall", 0.3, 0.25, false, 0, 0}};
}

TEST(BucketChart, LayoutFromHandComputedValues) {
  const BucketChartLayout l = bucketChartLayout(twoBuckets());
  EXPECT_EQ(l.plotLeft, 50);
  EXPECT_EQ(l.plotTop, 40);
  EXPECT_EQ(l.plotWidth, 835);
  EXPECT_EQ(l.plotHeight, 350);
  EXPECT_DOUBLE_EQ(l.yMax, 0.6);  // FP32 + hi = 0.55 is the largest value
  EXPECT_EQ(l.slotWidth, 417);
  EXPECT_EQ(l.row(0.0), 390);
  EXPECT_EQ(l.row(0.3), 215);
  EXPECT_EQ(l.row(0.5), 98);
  EXPECT_EQ(l.row(2.0), 40);  // clamped
  EXPECT_EQ(l.barLeft(0, 0), 112);
  EXPECT_EQ(l.barRight(0, 0), 257);
  EXPECT_EQ(l.barLeft(0, 1), 257);
  EXPECT_EQ(l.barRight(0, 1), 402);
  EXPECT_EQ(l.barLeft(1, 0), 529);
  // Small values get a finer axis, never below 0.1; values above 1 stop at 1.
  EXPECT_DOUBLE_EQ(bucketChartLayout({{"a", 0.02, 0.01, false, 0, 0}}).yMax, 0.1);
  EXPECT_DOUBLE_EQ(bucketChartLayout({{"a", 0.9, 0.8, true, 0, 0.3}}).yMax, 1.0);
}

TEST(BucketChart, BarsAndWhiskerWhereTheLayoutSays) {
  const PlotCanvas c(renderBucketChart(twoBuckets()));
  EXPECT_EQ(c.width(), 900);
  EXPECT_EQ(c.height(), 420);
  // FP32 bar of bucket 0: from row(0.5) = 98 down to the zero line at 390.
  EXPECT_EQ(c.pixel(150, 99), kFp32Colour);
  EXPECT_EQ(c.pixel(150, 389), kFp32Colour);
  EXPECT_EQ(c.pixel(150, 95), kWhite);
  // INT8 bar: top at row(0.4) = 157, outside the whisker column.
  EXPECT_EQ(c.pixel(270, 158), kInt8Colour);
  EXPECT_EQ(c.pixel(270, 154), kWhite);
  // Whisker at the INT8 bar's centre column 329, rows row(0.55) = 69 to row(0.35) = 186.
  EXPECT_EQ(c.pixel(329, 120), kBlack);
  EXPECT_EQ(c.pixel(329, 70), kBlack);
  EXPECT_EQ(c.pixel(329, 66), kWhite);
  EXPECT_EQ(c.pixel(335, 186), kBlack);  // the lower cap
  // Bucket 1 has no interval: its INT8 bar (columns 674..819, top row(0.25) = 244) has no black in it.
  EXPECT_EQ(c.pixel(700, 245), kInt8Colour);
  EXPECT_EQ(c.pixel(700, 242), kWhite);
  EXPECT_EQ(inkIn(c, 674, 245, 819, 390, kBlack), 0);
  // The zero line.
  EXPECT_EQ(c.pixel(60, 390), kBlack);
}

InputHistogram twoBinHistogram() {
  // 256 bins of width 0.01 on [0, 2.56]: 999 values in bin 10, 9 in bin 200.
  InputHistogram h;
  h.counts.assign(256, 0.0);
  h.counts[10] = 999;
  h.counts[200] = 9;
  h.edges = uniformBinEdges(256, 0.01f, 2.56f);
  return h;
}

TEST(AmaxHistogramPlot, LinesAndLogScaleWhereTheLayoutSays) {
  AmaxHistogramPanel p;
  p.layer = "backbone.blocks.0.0";
  p.sqnrDb = 12.5;
  p.method = "histogram+mse";
  p.chosenAmax = 1.0;
  p.histogram = twoBinHistogram();
  p.alternatives = {{"max", 2.56, {214, 39, 40}}, {"mse", 0.5, {44, 160, 44}}};
  const AmaxHistogramLayout l = amaxHistogramLayout(p, 900, 260);
  EXPECT_EQ(l.plotLeft, 50);
  EXPECT_EQ(l.plotTop, 44);
  EXPECT_EQ(l.plotWidth, 835);
  EXPECT_EQ(l.plotHeight, 192);
  EXPECT_NEAR(l.xMax, 2.56, 1e-6);
  EXPECT_EQ(l.column(1.0), 50 + 326);  // 1.0 / 2.56 * 834 = 325.8
  EXPECT_EQ(l.column(0.5), 50 + 163);

  const PlotCanvas c(renderAmaxHistograms({p, p}));
  EXPECT_EQ(c.width(), 900);
  EXPECT_EQ(c.height(), 520);
  for (int top : {0, 260}) {
    const int mid = top + 140;
    // The chosen amax: five black columns around 376.
    for (int x = 374; x <= 378; ++x) EXPECT_EQ(c.pixel(x, mid), kBlack) << x;
    EXPECT_NE(c.pixel(372, mid), kBlack);
    EXPECT_EQ(c.pixel(213, mid), (PlotColour{44, 160, 44}));
    EXPECT_EQ(c.pixel(l.column(2.56), mid), (PlotColour{214, 39, 40}));
    // Log scale over three decades (peak 999): 999 fills the plot, 9 a third (log10(10) / 3 * 192 = 64).
    const PlotColour grey{150, 150, 150};
    const int bin10 = l.column(0.105), bin200 = l.column(2.005);
    EXPECT_EQ(c.pixel(bin10, top + 44), grey);
    EXPECT_EQ(c.pixel(bin200, top + 236 - 64), grey);
    EXPECT_NE(c.pixel(bin200, top + 236 - 65), grey);
    EXPECT_EQ(c.pixel(bin200 + 3, top + 200), kWhite);  // an empty column
  }
}

TEST(AmaxHistogramPlot, AlternativesAreTheSearchesOnTheSameHistogram) {
  InputHistogram h;
  h.edges = uniformBinEdges(400, 0.01f, 4.0f);
  for (int j = 0; j < 400; ++j) h.counts.push_back(std::floor(1e5 * std::exp(-j / 20.0)) + 1);
  AmaxOptions configured;
  configured.percentile = 99.9;
  const auto alt = alternativeAmax(h, 3.997, configured);
  ASSERT_EQ(alt.size(), 5u);
  EXPECT_EQ(alt[0].name, "max");
  EXPECT_DOUBLE_EQ(alt[0].amax, 3.997);
  EXPECT_EQ(alt[1].name, "percentile(99.99)");
  EXPECT_DOUBLE_EQ(alt[1].amax, percentileAmax(h.counts, h.edges, 99.99));
  EXPECT_EQ(alt[2].name, "percentile(99.9)");
  EXPECT_DOUBLE_EQ(alt[2].amax, percentileAmax(h.counts, h.edges, 99.9));
  EXPECT_EQ(alt[3].name, "mse");
  EXPECT_DOUBLE_EQ(alt[3].amax, mseAmax(h.counts, h.edges, 8, false, 128, 1));
  EXPECT_EQ(alt[4].name, "entropy");
  EXPECT_DOUBLE_EQ(alt[4].amax, entropyAmax(h.counts, h.edges, 8, false, 128, 1));
  for (size_t i = 0; i < alt.size(); ++i)
    for (size_t k = 0; k < i; ++k) EXPECT_FALSE(alt[i].colour == alt[k].colour);
  // The default percentile is not repeated; searches without a candidate bin are left out.
  configured.percentile = 99.99;
  configured.startBin = 500;
  const auto fewer = alternativeAmax(h, 3.997, configured);
  ASSERT_EQ(fewer.size(), 2u);
  EXPECT_EQ(fewer[1].name, "percentile(99.99)");
  EXPECT_TRUE(alternativeAmax(InputHistogram{}, 1.0, configured).empty());
}

TEST(AmaxHistogramPlot, PanelOfALayerWithoutHistogramIsAnError) {
  LayerCalibration lc;
  lc.layer = "neck.deblocks.0";
  lc.method = "max";
  EXPECT_THROW(amaxHistogramPanel(lc, 10, AmaxOptions{}), Error);
}

Detection det(float x, float y, float score, int label) {
  return {x, y, 0, 4, 2, 1.5f, 0, 0, 0, score, label};
}

EvalBox gtBox(double x, double y, const std::string& name, int numPts = 10) {
  EvalBox b;
  b.translation = {x, y, 0};
  b.size = {2, 4, 1.5};
  b.detectionName = name;
  b.numPts = numPts;
  return b;
}

const std::vector<std::string> kClasses{"car", "pedestrian"};

struct ThreeFrames {
  std::vector<std::vector<Detection>> fp32, int8;
  std::vector<std::vector<EvalBox>> gt;
};

ThreeFrames threeFrames() {
  ThreeFrames f;
  // Frame 0: one car found by both; a pedestrian without points (not counted) that only INT8 detects: an
  // extra INT8 detection.
  f.gt.push_back({gtBox(10, 0, "car"), gtBox(7, 7, "pedestrian", 0)});
  f.fp32.push_back({det(10.5f, 0, 0.9f, 0)});
  f.int8.push_back({det(10.3f, 0.2f, 0.8f, 0), det(7, 7, 0.9f, 1)});
  // Frame 1: FP32 finds both objects; INT8 finds the car and calls the pedestrian a car (an extra).
  f.gt.push_back({gtBox(20, 0, "car"), gtBox(5, 5, "pedestrian"), gtBox(40, 40, "bus")});
  f.fp32.push_back({det(20, 0, 0.9f, 0), det(5.5f, 5, 0.6f, 1)});
  f.int8.push_back({det(21, 0, 0.7f, 0), det(5, 5, 0.6f, 0)});
  // Frame 2: no GT; a false positive both make (not extra), one each that the other does not, and an INT8
  // detection below the score threshold.
  f.gt.push_back({});
  f.fp32.push_back({det(30, 0, 0.9f, 0), det(15, 15, 0.5f, 1)});
  f.int8.push_back({det(30.5f, 0, 0.9f, 0), det(0, 10, 0.2f, 1), det(40, 0, 0.5f, 0)});
  return f;
}

TEST(DisagreementFrame, CountsPerFrameAndTiesGoToTheEarlierFrame) {
  const ThreeFrames f = threeFrames();
  const auto all = frameDisagreements(f.fp32, f.int8, f.gt, kClasses);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].gtFoundByBoth, 1);
  EXPECT_EQ(all[0].extraInt8, 1);
  EXPECT_EQ(all[0].total(), 1);
  EXPECT_EQ(all[1].gtFoundByBoth, 1);
  EXPECT_EQ(all[1].gtFoundByFp32Only, 1);
  EXPECT_EQ(all[1].gtFoundByInt8Only, 0);
  EXPECT_EQ(all[1].extraInt8, 1);
  EXPECT_EQ(all[1].extraFp32, 0);
  EXPECT_EQ(all[1].total(), 2);
  EXPECT_EQ(all[2].extraFp32, 1);
  EXPECT_EQ(all[2].extraInt8, 1);
  EXPECT_EQ(all[2].total(), 2);
  EXPECT_EQ(mostDisagreeingFrame(f.fp32, f.int8, f.gt, kClasses).frame, 1u);

  // One more extra INT8 box in frame 2 makes it the most disagreeing one.
  ThreeFrames g = threeFrames();
  g.int8[2].push_back(det(-20, 0, 0.95f, 0));
  EXPECT_EQ(mostDisagreeingFrame(g.fp32, g.int8, g.gt, kClasses).frame, 2u);
  // A stricter score threshold drops the 0.5 and 0.6 detections: frame 1's pedestrian is then found by
  // nobody, and frame 0's extra (0.9) is the only disagreement left.
  DisagreementOptions strict;
  strict.minScore = 0.65;
  EXPECT_EQ(mostDisagreeingFrame(f.fp32, f.int8, f.gt, kClasses, strict).frame, 0u);
  EXPECT_THROW(mostDisagreeingFrame({}, {}, {}, kClasses), Error);
  EXPECT_THROW(frameDisagreements(f.fp32, f.int8, {{}}, kClasses), Error);
}

DisagreementFrameView frameOneView() {
  DisagreementFrameView v;
  v.points = at::tensor({5.0f, 0.0f, 0.0f, 1.0f}).reshape({1, 4});
  v.gt = {gtBox(0, -5, "car")};
  v.fp32 = {det(0, -5, 0.9f, 0)};
  v.int8 = {det(-8, 8, 0.9f, 1)};
  v.classNames = kClasses;
  v.disagreement = frameDisagreements({v.fp32}, {v.int8}, {v.gt}, kClasses)[0];
  v.sampleToken = "abc";
  v.view = BevView{100, 10.0};
  return v;
}

TEST(DisagreementFrame, BevPanelsMarkWhatTheOtherModelDoesDifferently) {
  const DisagreementFrameView v = frameOneView();
  EXPECT_EQ(v.disagreement.gtFoundByFp32Only, 1);
  EXPECT_EQ(v.disagreement.extraInt8, 1);
  const PlotCanvas c(renderDisagreementFrame(v));
  ASSERT_EQ(c.width(), 204);
  ASSERT_EQ(c.height(), 124);
  // 5 px per metre, panel centre (50, 50), title strip 24 rows. The point at x = 5 m: column 50, row 25.
  EXPECT_NE(c.pixel(50, 24 + 25), kBlack);
  EXPECT_NE(c.pixel(104 + 50, 24 + 25), kBlack);
  // The car at y = -5 m (column 75): FP32 finds it (orange over green), INT8 misses it (thick red box).
  const PlotColour orange{255, 150, 20}, red{255, 40, 40}, magenta{255, 0, 255};
  EXPECT_EQ(c.pixel(75, 24 + 45), orange);  // its front line
  EXPECT_EQ(c.pixel(104 + 75, 24 + 45), red);
  EXPECT_EQ(c.pixel(104 + 76, 24 + 45), red);  // three pixels wide
  // INT8's pedestrian at (-8, 8): column 10, row 90, only in the INT8 panel, magenta.
  EXPECT_EQ(c.pixel(104 + 10, 24 + 90), magenta);
  EXPECT_EQ(inkIn(c, 0, 24, 100, 124, magenta), 0);
  EXPECT_EQ(inkIn(c, 0, 24, 100, 124, red), 0);
}

TEST(ReportFigures, EveryFigureWithItsCaptionInOrder) {
  PtqFigureInputs in;
  EXPECT_TRUE(renderPtqFigures(in).empty());
  in.buckets = twoBuckets();
  LayerCalibration hist, maxOnly, exact;
  hist.layer = "backbone.blocks.1.0";
  hist.method = "histogram+mse";
  hist.inputAmax = 1.0;
  hist.inputStats.maxAbs = 2.56;
  hist.inputHistogram = twoBinHistogram();
  maxOnly.layer = "neck.deblocks.0.0";
  maxOnly.method = "max";
  exact = hist;
  exact.layer = "head.shared_conv.0";
  in.calibration = {maxOnly, hist, exact};
  in.sqnr = {{"neck.deblocks.0.0", 3.0},
             {"backbone.blocks.1.0", 14.0},
             {"head.shared_conv.0", std::numeric_limits<double>::infinity()}};
  in.frame = frameOneView();

  const auto chosen = lowestSqnrLayers(in.calibration, in.sqnr, 3);
  ASSERT_EQ(chosen.size(), 1u);  // no histogram, infinite SQNR: left out
  EXPECT_EQ(chosen[0]->layer, "backbone.blocks.1.0");

  const auto figures = renderPtqFigures(in);
  ASSERT_EQ(figures.size(), 3u);
  EXPECT_EQ(figures[0].suffix, "buckets.png");
  EXPECT_EQ(figures[1].suffix, "hist.png");
  EXPECT_EQ(figures[2].suffix, "bev.png");
  EXPECT_EQ(figures[0].image.width, 900);
  EXPECT_EQ(figures[1].image.height, 260);
  EXPECT_EQ(figures[2].image.width, 204);
  EXPECT_NE(
      figures[0].caption.find("Largest drop: 0-20 (INT8 - FP32 = -0.1000, 95% interval [-0.1500, +0.0500])"),
      std::string::npos)
      << figures[0].caption;
  EXPECT_NE(
      figures[1].caption.find("`backbone.blocks.1.0` (SQNR 14.0 dB, histogram+mse): chosen 1, max 2.56"),
      std::string::npos)
      << figures[1].caption;
  EXPECT_NE(figures[2].caption.find("frame 0 (`abc`)"), std::string::npos) << figures[2].caption;
  EXPECT_EQ(figureMarkdown(figures[0], "ptq_report.buckets.png")
                .rfind("![FP32 vs INT8 mAP per range bucket]"
                       "(ptq_report.buckets.png)\n\n**FP32",
                       0),
            0u);
  in.buckets.clear();
  in.frame.reset();
  in.histogramLayers = 0;
  EXPECT_TRUE(renderPtqFigures(in).empty());
}

struct OneConv : torch::nn::Module {
  OneConv() { conv = register_module("conv", QuantConv2d(torch::nn::Conv2dOptions(2, 2, 1))); }
  QuantConv2d conv{nullptr};
};

TEST(CalibrationHistogram, KeptForHistogramCalibrationOnly) {
  torch::manual_seed(3);
  for (auto method : {CalibrationMethod::Histogram, CalibrationMethod::Max}) {
    auto net = std::make_shared<OneConv>();
    QuantizerPlan plan;
    plan.input = QuantDescriptor::activation(method, 256);
    insertQuantizers(*net, plan);
    CalibrationManager manager(*net);
    manager.begin();
    const at::Tensor x = at::randn({1, 2, 16, 16});
    torch::NoGradGuard g;
    net->conv->forward(x);
    manager.endBatch("x");
    AmaxOptions options;
    options.startBin = 64;
    const auto layers = manager.finish(options);
    ASSERT_EQ(layers.size(), 1u);
    const InputHistogram& h = layers[0].inputHistogram;
    if (method == CalibrationMethod::Max) {
      EXPECT_TRUE(h.empty());
      continue;
    }
    ASSERT_EQ(h.counts.size(), 256u);
    ASSERT_EQ(h.edges.size(), 257u);
    EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), 0.0), 512.0);
    EXPECT_EQ(h.numBits, 8);
    EXPECT_FALSE(h.isUnsigned);
    // The amax the calibration chose is the mse search on exactly this histogram.
    EXPECT_FLOAT_EQ(static_cast<float>(layers[0].inputAmax),
                    static_cast<float>(mseAmax(h.counts, h.edges, 8, false, 64, 1)));
  }
}

}  // namespace
}  // namespace cpq
