// `demo-cloud`: writes the small deterministic sweep of synth/DemoCloud as a .pcd.bin.
#include <spdlog/spdlog.h>

#include "cli/Commands.h"
#include "core/AtomicFile.h"
#include "preprocess/PointCloud.h"
#include "synth/DemoCloud.h"

namespace cpq::cli {

void addDemoCloudCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo-cloud", "Write a deterministic 32-beam demo point cloud (.pcd.bin)");
  struct Args {
    std::string out;
    uint64_t seed = 0;
    int beams = 32;
    bool overwrite = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--out", a->out, "Output .pcd.bin")->required();
  cmd->add_option("--seed", a->seed, "Scene seed")->capture_default_str();
  cmd->add_option("--beams", a->beams, "Number of beams")->check(CLI::Range(2, 256))->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace --out if it exists");
  cmd->callback([a] {
    refuseToOverwrite(a->out, a->overwrite);
    DemoCloudOptions options;
    options.beams = a->beams;
    const at::Tensor cloud = makeDemoCloud(options, a->seed);
    writePcdBin(a->out, cloud);
    spdlog::info("{}: {} points", a->out, cloud.size(0));
  });
}

}  // namespace cpq::cli
