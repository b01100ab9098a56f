#include "eval/ResultsWriter.h"

namespace cpq {

nlohmann::ordered_json resultsToJson(const EvalBoxes& pred) {
  nlohmann::ordered_json results = nlohmann::ordered_json::object();
  for (size_t s = 0; s < pred.numSamples(); ++s) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const EvalBox& b : pred.boxes(s)) {
      list.push_back({{"sample_token", b.sampleToken},
                      {"translation", b.translation},
                      {"size", b.size},
                      {"rotation", b.rotation},
                      {"velocity", b.velocity},
                      {"detection_name", b.detectionName},
                      {"detection_score", b.detectionScore},
                      {"attribute_name", b.attributeName}});
    }
    results[pred.sampleTokens()[s]] = std::move(list);
  }
  // The devkit reads only use_* from meta; all five keys are required by its submission checker.
  nlohmann::ordered_json meta = {{"use_camera", false},
                                 {"use_lidar", true},
                                 {"use_radar", false},
                                 {"use_map", false},
                                 {"use_external", false}};
  return {{"meta", meta}, {"results", results}};
}

}  // namespace cpq
