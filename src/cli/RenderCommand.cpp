// `render`: a bird's-eye PNG of one keyframe (points in the lidar frame) with its GT boxes and, when given,
// the predictions of a nuScenes results JSON moved from the global frame into that lidar frame.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "dataset/BoxTransforms.h"
#include "dataset/DetectionDataset.h"
#include "synth/BevRenderer.h"

namespace cpq::cli {
namespace {

size_t findSample(const DetectionDataset& data, const std::string& token, const std::string& root) {
  for (size_t i = 0; i < data.size(); ++i)
    if (data.sample(i).token == token) return i;
  throw fileError(root, "has no sample with token " + token);
}

BevBox bevBox(const LidarBox& b) { return {b.center.x(), b.center.y(), b.length, b.width, b.yaw}; }

Eigen::Vector3d vector3(const nlohmann::json& j) {
  return {j.at(0).get<double>(), j.at(1).get<double>(), j.at(2).get<double>()};
}

// The results file's boxes of this sample, in the sample's lidar frame.
std::vector<BevBox> predictionBoxes(const std::string& path, const SampleInfo& s) {
  nlohmann::json results;
  try {
    results = nlohmann::json::parse(readFileToString(path)).at("results");
  } catch (const nlohmann::json::exception& e) {
    throw fileError(path, std::string("is not a nuScenes results JSON: ") + e.what());
  }
  std::vector<BevBox> out;
  if (!results.contains(s.token)) return out;
  try {
    for (const auto& r : results.at(s.token)) {
      GtBox g;
      g.center = vector3(r.at("translation"));
      g.size = vector3(r.at("size"));
      const auto& q = r.at("rotation");
      g.rotation = Eigen::Quaterniond(q.at(0).get<double>(), q.at(1).get<double>(), q.at(2).get<double>(),
                                      q.at(3).get<double>());
      out.push_back(bevBox(globalToLidar(g, s.lidarToEgo, s.egoToGlobal)));
    }
  } catch (const nlohmann::json::exception& e) {
    throw fileError(path, "sample " + s.token + ": bad box: " + e.what());
  }
  return out;
}

}  // namespace

void addRenderCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("render", "Bird's-eye PNG of a keyframe with GT boxes and optional predictions");
  struct Args {
    std::string data, sample, results, out;
    double range = 60.0;
    int pixels = 1024;
    bool overwrite = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data", a->data, "Dataset root (nuScenes dataroot or T4 database)")->required();
  cmd->add_option("--sample", a->sample, "Sample token")->required();
  cmd->add_option("--results", a->results, "nuScenes results JSON whose boxes are drawn in orange")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Output .png")->required();
  cmd->add_option("--range", a->range, "Metres from the centre to the image edge")->capture_default_str();
  cmd->add_option("--pixels", a->pixels, "Image width and height")
      ->check(CLI::Range(64, 8192))
      ->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace --out if it exists");
  cmd->callback([a] {
    if (!pngSupported())
      throw Error("render: this build has no PNG support (libpng was not found when configuring)");
    refuseToOverwrite(a->out, a->overwrite);
    DatasetOptions o;
    o.dataRoot = a->data;
    o.sweepsNum = 0;  // the keyframe alone
    o.classNames = {"car", "truck", "bus", "bicycle", "pedestrian"};
    const DetectionDataset data = DetectionDataset::open(o);
    const size_t i = findSample(data, a->sample, a->data);
    const at::Tensor points = data.loadPoints(i).points.contiguous();
    std::vector<BevBox> gt;
    for (const LidarBox& b : data.lidarBoxes(i)) gt.push_back(bevBox(b));
    const std::vector<BevBox> pred =
        a->results.empty() ? std::vector<BevBox>{} : predictionBoxes(a->results, data.sample(i));
    const RgbImage img = renderBev(points.data_ptr<float>(), points.size(0), static_cast<int>(points.size(1)),
                                   gt, pred, {a->pixels, a->range});
    writePng(a->out, img);
    spdlog::info("{}: {} points, {} GT boxes, {} predictions", a->out, points.size(0), gt.size(),
                 pred.size());
  });
}

}  // namespace cpq::cli
