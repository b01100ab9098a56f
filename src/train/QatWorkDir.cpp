#include "train/QatWorkDir.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {
namespace fs = std::filesystem;

// A resume must continue a QAT run (not an FP32 `train` run in the same folder); returns its finished epochs.
int requireQatRun(const std::string& workDir) {
  const std::string latest = (fs::path(workDir) / "latest.json").string();
  if (!fs::exists(latest))
    throw fileError(latest, "nothing to resume (no finished QAT epoch in the work dir)");
  try {
    const auto j = nlohmann::json::parse(readFileToString(latest));
    if (!j.is_object() || !j.contains("settings") || !j["settings"].is_object() ||
        j["settings"].value("mode", "") != "qat")
      throw fileError(latest,
                      "is not a QAT run (its settings have no \"mode\": \"qat\"); resume it with `train`");
    return j.value("epoch", 0);
  } catch (const nlohmann::json::exception& e) {
    throw fileError(latest, std::string("not a valid QAT state: ") + e.what());
  }
}

}  // namespace

QatWorkDir QatWorkDir::open(const std::string& output, const std::string& workDir, bool resume,
                            int startEpoch) {
  const fs::path out(output);
  QatWorkDir w;
  w.dir = workDir.empty() ? (out.parent_path() / (out.stem().string() + "_work")).string() : workDir;
  w.calibration = (fs::path(w.dir) / "calibration.json").string();
  if (resume)
    w.finishedEpochs = requireQatRun(w.dir);
  else if (fs::exists(fs::path(w.dir) / "latest.json"))
    throw fileError(w.dir, "already holds a run; pass --resume to continue it or use another --work-dir");
  w.calibrateNow = startEpoch == 0 && !resume;
  w.calibratedBefore = resume && (startEpoch == 0 || w.finishedEpochs > startEpoch);
  return w;
}

}  // namespace cpq
