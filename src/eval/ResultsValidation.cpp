#include "eval/ResultsValidation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {

template <size_t N>
bool allFinite(const std::array<double, N>& a) {
  return std::all_of(a.begin(), a.end(), [](double v) { return std::isfinite(v); });
}

void checkBox(const EvalBox& b, const DetectionConfig& cfg, const std::string& what) {
  const std::string where = "sample '" + b.sampleToken + "': ";
  if (!std::isfinite(b.detectionScore))
    throw fileError(what, where + "detection_score is " + std::to_string(b.detectionScore) +
                              " (must be a finite number)");
  if (std::find(cfg.classNames.begin(), cfg.classNames.end(), b.detectionName) == cfg.classNames.end())
    throw fileError(what, where + "unknown detection_name '" + b.detectionName + "'");
  if (!allFinite(b.translation)) throw fileError(what, where + "translation is not finite");
  if (!allFinite(b.size)) throw fileError(what, where + "size is not finite");
  if (!allFinite(b.rotation)) throw fileError(what, where + "rotation is not finite");
  if (!(b.size[0] > 0 && b.size[1] > 0 && b.size[2] > 0))
    throw fileError(what, where + "size must be positive (scale error is undefined otherwise)");
}

void checkCount(const std::string& token, size_t n, const DetectionConfig& cfg, const std::string& what) {
  if (n > static_cast<size_t>(cfg.maxBoxesPerSample))
    throw fileError(what, "sample '" + token + "' has " + std::to_string(n) + " boxes; at most " +
                              std::to_string(cfg.maxBoxesPerSample) + " per sample are allowed");
}

template <size_t N>
std::array<double, N> readArray(const nlohmann::ordered_json& j, const char* key, bool nullIsNan,
                                const std::string& what, const std::string& token) {
  const auto& a = j.at(key);
  if (!a.is_array() || a.size() != N)
    throw fileError(what, "sample '" + token + "': '" + key + "' must be an array of " + std::to_string(N));
  std::array<double, N> out{};
  for (size_t i = 0; i < N; ++i) {
    if (a[i].is_null() && nullIsNan)
      out[i] = std::numeric_limits<double>::quiet_NaN();
    else
      out[i] = a[i].get<double>();
  }
  return out;
}

}  // namespace

void validatePredictions(const EvalBoxes& pred, const EvalBoxes& gt, const DetectionConfig& cfg,
                         const std::string& what) {
  for (size_t s = 0; s < pred.numSamples(); ++s) {
    const std::string& token = pred.sampleTokens()[s];
    if (!gt.hasSample(token)) throw fileError(what, "unknown sample token '" + token + "' (not in the split)");
    checkCount(token, pred.boxes(s).size(), cfg, what);
    for (const auto& b : pred.boxes(s)) checkBox(b, cfg, what);
  }
  for (const auto& token : gt.sampleTokens())
    if (!pred.hasSample(token)) throw fileError(what, "sample '" + token + "' of the split has no results entry");
}

EvalBoxes parseResults(const nlohmann::ordered_json& j, const DetectionConfig& cfg, const std::string& what) {
  if (!j.is_object() || !j.contains("results") || !j.at("results").is_object())
    throw fileError(what, "not a nuScenes results file (no \"results\" object)");
  EvalBoxes out;
  for (auto it = j.at("results").begin(); it != j.at("results").end(); ++it) {
    const std::string& token = it.key();
    out.addSample(token);
    if (!it.value().is_array()) throw fileError(what, "sample '" + token + "': results must be an array");
    checkCount(token, it.value().size(), cfg, what);
    for (const auto& jb : it.value()) {
      EvalBox b;
      try {
        b.sampleToken = jb.contains("sample_token") ? jb.at("sample_token").get<std::string>() : token;
        if (b.sampleToken != token)
          throw fileError(what, "sample '" + token + "': box carries sample_token '" + b.sampleToken + "'");
        b.translation = readArray<3>(jb, "translation", false, what, token);
        b.size = readArray<3>(jb, "size", false, what, token);
        b.rotation = readArray<4>(jb, "rotation", false, what, token);
        b.velocity = jb.contains("velocity") ? readArray<2>(jb, "velocity", true, what, token)
                                             : std::array<double, 2>{0, 0};
        b.detectionName = jb.at("detection_name").get<std::string>();
        const auto& score = jb.at("detection_score");
        // NaN is written as null by most JSON writers.
        b.detectionScore = score.is_null() ? std::numeric_limits<double>::quiet_NaN() : score.get<double>();
        b.attributeName = jb.contains("attribute_name") ? jb.at("attribute_name").get<std::string>() : "";
      } catch (const nlohmann::json::exception& e) {
        throw fileError(what, "sample '" + token + "': bad box: " + e.what());
      }
      checkBox(b, cfg, what);
      out.add(b);
    }
  }
  return out;
}

EvalBoxes loadResultsFile(const std::string& path, const DetectionConfig& cfg) {
  const std::string text = readFileToString(path);
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw fileError(path, std::string("invalid JSON: ") + e.what());
  }
  return parseResults(j, cfg, path);
}

}  // namespace cpq
