// The noise plot (ptq/NoisePlot): nice axis bounds, markers of hand-computed inputs at the pixels the log
// axes give, the dashed reference line, the 1/sqrt(N) guide and the legend colours. And its place in
// study-tables: the half-width table of tests/data/study_noise (two real `ptq --noise-curve` reports of
// the demo study, trimmed by hand to the car class, the overall bucket and the first 4 / 3 frame counts),
// the PNG beside the Markdown (refused without overwrite), and nothing of it when no report has "noise".
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include <unistd.h>

#include "core/AtomicFile.h"
#include "core/RgbImage.h"
#include "ptq/NoisePlot.h"
#include "ptq/PlotCanvas.h"
#include "ptq/StudyTables.h"
#include "support/ErrorMessage.h"
#include "support/TempRoot.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

constexpr PlotColour kWhite{255, 255, 255};

TEST(NoisePlot, NiceBounds) {
  EXPECT_DOUBLE_EQ(niceFloor(50), 50);
  EXPECT_DOUBLE_EQ(niceFloor(3200), 2000);
  EXPECT_DOUBLE_EQ(niceCeil(3200), 5000);
  EXPECT_DOUBLE_EQ(niceCeil(0.0071), 0.01);
  EXPECT_DOUBLE_EQ(niceFloor(0.00083), 0.0005);
  EXPECT_DOUBLE_EQ(niceCeil(0.002), 0.002);
  EXPECT_DOUBLE_EQ(niceCeil(600), 1000);
  EXPECT_DOUBLE_EQ(niceFloor(0.0015), 0.001);
}

// Series A from (100, 0.01) to (1000, 0.001): the axes run exactly over 100..1000 frames and 0.001..0.01.
std::vector<NoiseSeries> handSeries() { return {{"a", {{100, 0.01}, {1000, 0.001}}}, {"b", {{200, 0.005}}}}; }

TEST(NoisePlot, LayoutOfHandComputedInputs) {
  NoisePlotOptions o;
  o.referenceHalfWidth = 0.002;
  const NoisePlotLayout l = noisePlotLayout(handSeries(), o);
  EXPECT_DOUBLE_EQ(l.xMin, 100);
  EXPECT_DOUBLE_EQ(l.xMax, 1000);
  EXPECT_DOUBLE_EQ(l.yMin, 0.001);
  EXPECT_DOUBLE_EQ(l.yMax, 0.01);
  // 900 x 480, one legend row: plot box from (62, 52), 818 x 388.
  EXPECT_EQ(l.legendRows, 1);
  EXPECT_EQ(l.plotLeft, 62);
  EXPECT_EQ(l.plotTop, 52);
  EXPECT_EQ(l.plotWidth, 818);
  EXPECT_EQ(l.plotHeight, 388);
  EXPECT_EQ(l.column(100), 62);
  EXPECT_EQ(l.column(1000), 880);
  EXPECT_EQ(l.column(200), 62 + 246);  // 818 * log10(2) = 246.2
  EXPECT_EQ(l.row(0.01), 52);
  EXPECT_EQ(l.row(0.001), 440);
  EXPECT_EQ(l.row(0.005), 440 - 271);  // 388 * log10(5) = 271.2
  EXPECT_EQ(l.row(0.002), 440 - 117);  // 388 * log10(2) = 116.8
}

TEST(NoisePlot, MarkersSitOnTheLogAxes) {
  NoisePlotOptions o;
  o.referenceHalfWidth = 0.002;
  o.sqrtGuide = false;
  const PlotCanvas c(renderNoisePlot(handSeries(), o));
  const PlotColour a = noiseSeriesColour(0), b = noiseSeriesColour(1);
  EXPECT_NE(a, b);
  // 7 x 7 squares centred on (62, 52), (880, 440) and (308, 169).
  for (int d : {-3, 0, 3}) {
    EXPECT_EQ(c.pixel(62 + d, 52 + d), a) << d;
    EXPECT_EQ(c.pixel(880 + d, 440 - d), a) << d;
    EXPECT_EQ(c.pixel(308 + d, 169 + d), b) << d;
  }
  EXPECT_NE(c.pixel(308 + 5, 169), b);  // the marker ends there (b has no line: one point)
  // A's line: straight on log-log, through (sqrt(100 * 1000), sqrt(0.01 * 0.001)), the plot's centre.
  EXPECT_EQ(c.pixel(62 + 409, 52 + 194), a);
  // Nothing of b anywhere but its marker and its legend swatch.
  int bPixels = 0;
  for (int y = 52; y < 480; ++y)
    for (int x = 0; x < 900; ++x) bPixels += c.pixel(x, y) == b;
  EXPECT_EQ(bPixels, 49);
}

TEST(NoisePlot, DashedReferenceLineAndGuide) {
  NoisePlotOptions o;
  o.referenceHalfWidth = 0.002;
  o.sqrtGuide = false;
  const PlotCanvas plain(renderNoisePlot(handSeries(), o));
  // Row 323 = half-width 0.002 (also a grid line), right of where series a crosses it (at 500 frames,
  // x = 634): dashes of the reference grey with the grid's light grey in the gaps between them, and no ink
  // one row above the 2-pixel line.
  int grey = 0, gap = 0;
  for (int x = 700; x < 860; ++x) {
    const PlotColour p = plain.pixel(x, 323);
    grey += p == PlotColour{90, 90, 90};
    gap += p == PlotColour{225, 225, 225};
    EXPECT_TRUE((plain.pixel(x, 321) == kWhite || plain.pixel(x, 321) == PlotColour{225, 225, 225})) << x;
  }
  EXPECT_GT(grey, 80);
  EXPECT_GT(gap, 40);
  EXPECT_EQ(grey + gap, 160);

  // The guide through a's first point (100, 0.01): at 400 frames 0.005 (x 554, y 169), where the plain
  // plot has no guide grey (only the 0.005 grid line).
  o.sqrtGuide = true;
  const PlotCanvas guided(renderNoisePlot(handSeries(), o));
  int guide = 0;
  for (int y = 166; y <= 172; ++y)
    for (int x = 548; x <= 560; ++x) {
      EXPECT_NE(plain.pixel(x, y), (PlotColour{150, 150, 150})) << x << "," << y;
      guide += guided.pixel(x, y) == PlotColour{150, 150, 150};
    }
  EXPECT_GT(guide, 0);

  o.referenceHalfWidth = 0;  // no reference line
  const PlotCanvas none(renderNoisePlot(handSeries(), o));
  for (int x = 700; x < 860; ++x) EXPECT_NE(none.pixel(x, 323), (PlotColour{90, 90, 90})) << x;
}

TEST(NoisePlot, NoPointsGivesAxesOnly) {
  const std::vector<NoiseSeries> empty = {{"x", {{0, 0.01}, {100, -1}, {100, std::nan("")}}}};
  const NoisePlotLayout l = noisePlotLayout(empty);
  EXPECT_DOUBLE_EQ(l.xMin, 10);
  EXPECT_DOUBLE_EQ(l.xMax, 1000);
  const PlotCanvas c(renderNoisePlot(empty));
  EXPECT_EQ(c.pixel(l.plotLeft + 10, l.plotTop + l.plotHeight), (PlotColour{0, 0, 0}));
  int series = 0;
  for (int y = l.plotTop; y < l.plotTop + l.plotHeight; ++y)
    for (int x = l.plotLeft; x < l.plotLeft + l.plotWidth; ++x)
      series += c.pixel(x, y) == noiseSeriesColour(0);
  EXPECT_EQ(series, 0);
}

TEST(NoisePlot, ManySeriesWrapTheLegend) {
  std::vector<NoiseSeries> many;
  for (int i = 0; i < 12; ++i)
    many.push_back({"series_number_" + std::to_string(i), {{100.0 * (i + 1), 0.01}}});
  const NoisePlotLayout l = noisePlotLayout(many);
  EXPECT_GT(l.legendRows, 2);
  EXPECT_EQ(l.plotTop, 26 + 16 * l.legendRows + 10);
  EXPECT_EQ(noiseSeriesColour(10), noiseSeriesColour(0));
}

// ---- study-tables ----

class StudyNoiseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::tempRoot() / ("cpq_study_noise_" + std::to_string(::getpid()) + "_" +
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "results");
    for (const char* f : {"release_mse128.report.json", "fullint8_mse128.report.json"})
      fs::copy_file(fs::path(CPQ_TEST_DATA_DIR) / "study_noise" / f, dir_ / "results" / f);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string results() const { return (dir_ / "results").string(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Rewrites every report of the results through `edit`.
  void editReports(const std::function<void(nlohmann::ordered_json&)>& edit) const {
    for (const auto& e : fs::directory_iterator(dir_ / "results")) {
      auto j = nlohmann::ordered_json::parse(readFileToString(e.path().string()));
      edit(j);
      std::ofstream(e.path()) << j.dump(1);
    }
  }

  fs::path dir_;
};

const std::string kNoiseSection = R"(## Evaluation noise vs frames

Half-width (hi - lo) / 2 of the paired 95% interval of INT8 - FP32 (overall range-bucketed mAP) on the first N evaluation frames (`ptq --noise-curve`, `<run>.report.json` "noise"). A difference between two models is resolved only when it is larger than the half-width: to resolve a 0.001 mAP difference you need a half-width below 0.001. With independent frames it shrinks about as 1/sqrt(N): four times the frames halve it.

| frames | fullint8_mse128 | release_mse128 |
|---|---|---|
| 50 | 0.01373 | 0.00705 |
| 100 | 0.00912 | 0.00480 |
| 200 | 0.00561 | 0.00296 |
| 400 | - | 0.00206 |

Frames needed for a half-width of at most 0.0015 (the first measured N):

- fullint8_mse128: more than the 200 measured (about 2794 by 1/sqrt(N) from the last point)
- release_mse128: more than the 400 measured (about 757 by 1/sqrt(N) from the last point)
)";

const std::string kImage = R"(
![Half-width vs evaluation frames](tables.noise.png)

*Half-width vs evaluation frames, log-log, one line per run; dashed: half-width 0.0015; dotted: the 1/sqrt(N) guide. Read off where a run's line crosses the difference you want to resolve: from that many frames on, a difference of that size is outside the noise.*
)";

TEST_F(StudyNoiseTest, HalfWidthTableFromTheFixture) {
  const std::string md = studyTablesMarkdown(results());
  const size_t at = md.find("## Evaluation noise");
  ASSERT_NE(at, std::string::npos) << md;
  const size_t next = md.find("\n## ", at);
  ASSERT_NE(next, std::string::npos);
  EXPECT_EQ(md.substr(at, next - at), kNoiseSection);     // no image link without noisePlotFile
  EXPECT_LT(md.find("## PTQ mAP per range bucket"), at);  // after the PTQ tables

  const std::vector<NoiseSeries> series = studyNoiseSeries(results());
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[1].name, "release_mse128");
  ASSERT_EQ(series[1].points.size(), 4u);
  EXPECT_DOUBLE_EQ(series[1].points[3].frames, 400);
  EXPECT_NEAR(series[1].points[3].halfWidth, 0.0020627, 1e-7);
}

TEST_F(StudyNoiseTest, PngBesideTheMarkdownAndRefusedWithoutOverwrite) {
  if (!pngSupported()) GTEST_SKIP() << "no libpng in this build";
  const std::string out = path("tables.md"), png = path("tables.noise.png");
  EXPECT_EQ(studyNoisePlotPath(out), png);
  EXPECT_EQ(writeStudyTables(results(), out, false), (std::vector<std::string>{out, png}));
  const std::string md = readFileToString(out);
  EXPECT_NE(md.find(kNoiseSection + kImage), std::string::npos) << md;
  EXPECT_EQ(readFileToString(png).substr(1, 3), "PNG");

  // The Markdown is gone but the PNG is there: refused before anything is written.
  fs::remove(out);
  const std::string err = testing::errorMessageOf([&] { writeStudyTables(results(), out, false); });
  EXPECT_NE(err.find(png), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
  writeStudyTables(results(), out, true);
  EXPECT_EQ(readFileToString(out), md);
}

TEST_F(StudyNoiseTest, NoNoiseNoSectionAndNoPng) {
  const std::string withNoise = studyTablesMarkdown(results());
  editReports([](nlohmann::ordered_json& j) { j.erase("noise"); });
  const std::string out = path("tables.md");
  EXPECT_EQ(writeStudyTables(results(), out, false), std::vector<std::string>{out});
  EXPECT_FALSE(fs::exists(path("tables.noise.png")));
  EXPECT_TRUE(studyNoiseSeries(results()).empty());
  // The page is exactly the one with noise, less the section.
  std::string expected = withNoise;
  expected.erase(expected.find("## Evaluation noise"), kNoiseSection.size() + 1);
  EXPECT_EQ(readFileToString(out), expected);
}

TEST_F(StudyNoiseTest, MalformedNoiseNamesFileAndKey) {
  editReports([](nlohmann::ordered_json& j) { j["noise"][1]["metrics"].erase(1); });  // t4.mAP.overall
  const std::string err = testing::errorMessageOf([&] { studyTablesMarkdown(results()); });
  EXPECT_NE(err.find("fullint8_mse128.report.json"), std::string::npos) << err;
  EXPECT_NE(err.find("\"noise[1].metrics\" has no \"t4.mAP.overall\""), std::string::npos) << err;
  editReports([](nlohmann::ordered_json& j) { j["noise"] = 3; });
  EXPECT_NE(testing::errorMessageOf([&] { studyTablesMarkdown(results()); }).find("\"noise\" is not a list"),
            std::string::npos);
}

}  // namespace
}  // namespace cpq
