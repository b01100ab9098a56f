#pragma once
// The rules of a QAT run's work dir (the Trainer's layout plus `calibration.json`, the calibration the
// run uses): where it is, whether a run may start or resume there, and when the run calibrates.
// A run calibrates before its first epoch (start epoch K = 0) or at the start of epoch K + 1 (after K
// float epochs); a resumed run was calibrated once an epoch after K has finished (its checkpoint then
// carries every amax).
#include <string>

namespace cpq {

struct QatWorkDir {
  std::string dir;                // --work-dir, or <output stem>_work next to the output
  std::string calibration;        // <dir>/calibration.json
  int finishedEpochs = 0;         // of the run being resumed
  bool calibrateNow = false;      // a fresh run with K = 0: calibrate before training
  bool calibratedBefore = false;  // a resumed run past its calibration: reload calibration.json

  // cpq::Error naming the file when resuming something that is not a QAT run (or nothing), or when a
  // fresh run would reuse a work dir that already holds one.
  static QatWorkDir open(const std::string& output, const std::string& workDir, bool resume, int startEpoch);
};

}  // namespace cpq
