#include "eval/ResultsComparison.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/Error.h"
#include "eval/ResultsValidation.h"

namespace cpq {

nlohmann::ordered_json ResultsComparison::toJson() const {
  nlohmann::ordered_json j;
  j["files"] = {fileA, fileB};
  j["a"] = a.toJson();
  j["b"] = b.toJson();
  j["paired"] = paired.toJson();
  return j;
}

std::string ResultsComparison::markdown() const {
  return fmt::format(
      "# Paired comparison\n\nA = `{}`, B = `{}`; {} frames; mAP as fractions in [0, 1].\n\n{}", fileA, fileB,
      paired.frames, paired.markdown());
}

ResultsComparison compareResultsFiles(const std::vector<const SampleInfo*>& split, const std::string& pathA,
                                      const std::string& pathB, const EvaluationOptions& options,
                                      const DetectionConfig& checks, const BootstrapOptions& bootstrap) {
  bootstrap.validate("eval --bootstrap");
  const EvalBoxes predA = loadResultsFile(pathA, checks);
  const EvalBoxes predB = loadResultsFile(pathB, checks);
  std::vector<std::string> tokensA = predA.sampleTokens(), tokensB = predB.sampleTokens();
  std::sort(tokensA.begin(), tokensA.end());
  std::sort(tokensB.begin(), tokensB.end());
  requireSameFrames(tokensA, tokensB, pathA, pathB);

  std::unordered_map<std::string, const SampleInfo*> byToken;
  for (const SampleInfo* s : split) byToken[s->token] = s;
  for (const auto& token : tokensA)
    if (!byToken.count(token))
      throw Error(pathA + ": sample token " + token + " is not a sample of the evaluated split");
  std::vector<const SampleInfo*> samples;
  for (const SampleInfo* s : split)
    if (predA.hasSample(s->token)) samples.push_back(s);

  ResultsComparison c;
  const PreparedEvaluation pa = prepareEvaluation(samples, predA, options, pathA);
  const PreparedEvaluation pb = prepareEvaluation(samples, predB, options, pathB);
  c.a = evaluatePrepared(pa, samples.size());
  c.b = evaluatePrepared(pb, samples.size());
  c.fileA = pathA;
  c.fileB = pathB;
  c.paired = pairedBootstrap(ResampledMetrics(pa), ResampledMetrics(pb), bootstrap, "A", "B");
  return c;
}

}  // namespace cpq
