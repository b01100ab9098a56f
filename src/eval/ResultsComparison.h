#pragma once
// `eval --compare A.json B.json`: two nuScenes results files of the same frames scored on a dataset split
// and compared with paired bootstrap intervals (eval/PairedBootstrap).
#include <string>
#include <vector>

#include "dataset/Sample.h"
#include "eval/DatasetEvaluation.h"
#include "eval/PairedBootstrap.h"

namespace cpq {

struct ResultsComparison {
  std::string fileA, fileB;
  EvaluationReport a, b;
  PairedComparison paired;  // labelled "A" and "B"

  nlohmann::ordered_json toJson() const;  // {"files": [A, B], "a": metrics, "b": metrics, "paired": ...}
  std::string markdown() const;
};

// The frames are the results files' samples (they must hold the same ones: a cpq::Error names those only
// one file has), in the split's order; a sample that is not in `split` is a cpq::Error naming the file.
// `checks` validates each file's boxes as loadResultsFile does.
ResultsComparison compareResultsFiles(const std::vector<const SampleInfo*>& split, const std::string& pathA,
                                      const std::string& pathB, const EvaluationOptions& options,
                                      const DetectionConfig& checks, const BootstrapOptions& bootstrap);

}  // namespace cpq
