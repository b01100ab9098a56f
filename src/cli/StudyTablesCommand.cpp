// `study-tables`: the Markdown tables of a study (ptq/StudyTables does the work) from the machine-readable
// results scripts/study.sh collects in one folder: PTQ reports, eval metrics, training states, sensitivity
// CSVs.
#include <spdlog/spdlog.h>

#include "cli/Commands.h"
#include "ptq/StudyTables.h"

namespace cpq::cli {

void addStudyTablesCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("study-tables",
                         "Markdown tables of a study from its results folder (*.report.json, *.metrics.json, "
                         "*.latest.json, *.sensitivity.csv)");
  struct Args {
    std::string results, out;
    StudyTablesOptions options;
    bool overwrite = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--results", a->results, "Folder of result files (scripts/study.sh: $OUT/results)")
      ->required();
  cmd->add_option("--out", a->out, "Markdown file to write")->required();
  cmd->add_option("--title", a->options.title, "Title of the Markdown page")->capture_default_str();
  cmd->add_option("--sensitivity-rows", a->options.sensitivityRows,
                  "Rows shown per sensitivity CSV, most sensitive first (0: all)")
      ->capture_default_str();
  cmd->add_option("--noise-reference", a->options.noiseReference,
                  "Half-width of the dashed reference line of the noise plot and of the frames-needed list "
                  "(reports with \"noise\", from ptq --noise-curve)")
      ->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace --out (and its .noise.png) if it exists");
  cmd->callback([a] {
    for (const auto& file : writeStudyTables(a->results, a->out, a->overwrite, a->options))
      spdlog::info("wrote {}", file);
  });
}

}  // namespace cpq::cli
