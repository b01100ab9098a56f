#pragma once
// The study's Markdown tables, generated from the machine-readable results of scripts/study.sh (one flat
// folder) instead of hand-copied numbers. Every file is read by its suffix; anything else is ignored:
//   <run>.report.json       a `ptq` report (ptq/PtqReport: settings, fp32, int8; with "paired", the
//                           bootstrap intervals of INT8 - FP32, shown as "diff [lo, hi]"; with "noise"
//                           (`ptq --noise-curve`), the interval on the first 50, 100, 200, ... frames:
//                           a table of its half-width (hi - lo) / 2 of t4.mAP.overall per frame count and
//                           run, and the plot of it, ptq/NoisePlot, written beside the Markdown)
//   <name>.metrics.json     an `eval` metrics.json (the FP32 model, a QAT checkpoint); the one named
//                           fp32.metrics.json is the reference of the "vs FP32" column
//   <run>.latest.json       a `train` / `qat` work dir's latest.json: settings and per-epoch val mAP
//   <name>.sensitivity.csv  a `sensitivity` CSV (layer,map,delta,sqnr_db,proxy), rows in file order, and
//                           its <name>.sensitivity.sensitive_layers.yaml when present
// Runs are sorted by file name, numbers printed with four decimals, so the same folder always gives the
// same bytes. A file that cannot be read as its kind is one cpq::Error naming the file and the problem.
#include <string>
#include <vector>

#include "ptq/NoisePlot.h"

namespace cpq {

struct StudyTablesOptions {
  std::string title = "Study results";
  int sensitivityRows = 10;  // rows of each sensitivity CSV shown (the most sensitive first); <= 0: all
  // The evaluation-noise section (only when a report has "noise"): the dashed reference half-width of the
  // plot and the frames-needed line, and the image the Markdown links to (a path relative to the
  // Markdown; empty: no image link). writeStudyTables sets noisePlotFile itself.
  double noiseReference = 0.0015;
  std::string noisePlotFile;
};

// The Markdown of every table for the results in `dir`. cpq::Error when dir is not a folder, holds no
// result file, or a result file is malformed, or the runs' range buckets differ.
std::string studyTablesMarkdown(const std::string& dir, const StudyTablesOptions& options = {});

// Per report with "noise" (sorted by file name): its file stem and the half-width of t4.mAP.overall per
// frame count, in file order. Empty when no report has "noise". cpq::Error as studyTablesMarkdown.
std::vector<NoiseSeries> studyNoiseSeries(const std::string& dir);

// Where writeStudyTables puts the noise plot: `out` with its extension replaced by ".noise.png"
// ("docs/study.md" -> "docs/study.noise.png").
std::string studyNoisePlotPath(const std::string& out);

// studyTablesMarkdown written atomically to `out`; an existing `out` is refused unless overwrite (checked
// before reading the results). When a report has "noise", the plot is also written (atomically) to
// studyNoisePlotPath(out), linked from the Markdown by its file name, and an existing one is likewise
// refused unless overwrite (checked before anything is written); without libpng the section is written
// without the image. Returns the paths written, `out` first.
std::vector<std::string> writeStudyTables(const std::string& dir, const std::string& out, bool overwrite,
                                          const StudyTablesOptions& options = {});

}  // namespace cpq
