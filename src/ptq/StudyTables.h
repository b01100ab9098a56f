#pragma once
// The study's Markdown tables, generated from the machine-readable results of scripts/study.sh (one flat
// folder) instead of hand-copied numbers. Every file is read by its suffix; anything else is ignored:
//   <run>.report.json       a `ptq` report (ptq/PtqReport: settings, fp32, int8; with "paired", the
//                           bootstrap intervals of INT8 - FP32, shown as "diff [lo, hi]")
//   <name>.metrics.json     an `eval` metrics.json (the FP32 model, a QAT checkpoint); the one named
//                           fp32.metrics.json is the reference of the "vs FP32" column
//   <run>.latest.json       a `train` / `qat` work dir's latest.json: settings and per-epoch val mAP
//   <name>.sensitivity.csv  a `sensitivity` CSV (layer,map,delta,sqnr_db,proxy), rows in file order, and
//                           its <name>.sensitivity.sensitive_layers.yaml when present
// Runs are sorted by file name, numbers printed with four decimals, so the same folder always gives the
// same bytes. A file that cannot be read as its kind is one cpq::Error naming the file and the problem.
#include <string>

namespace cpq {

struct StudyTablesOptions {
  std::string title = "Study results";
  int sensitivityRows = 10;  // rows of each sensitivity CSV shown (the most sensitive first); <= 0: all
};

// The Markdown of every table for the results in `dir`. cpq::Error when dir is not a folder, holds no
// result file, or a result file is malformed, or the runs' range buckets differ.
std::string studyTablesMarkdown(const std::string& dir, const StudyTablesOptions& options = {});

// studyTablesMarkdown written atomically to `out`; an existing `out` is refused unless overwrite (checked
// before reading the results).
void writeStudyTables(const std::string& dir, const std::string& out, bool overwrite,
                      const StudyTablesOptions& options = {});

}  // namespace cpq
