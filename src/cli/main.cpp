// centerpoint-quant: one CLI, one subcommand per pipeline step. Every failure ends as one message on
// stderr and exit code 1: user errors (cpq::Error, which name the file and the problem) as they are; what
// escaped the readers' checks (out of memory, a libtorch or JSON error, an internal bug) with its kind,
// without a trace (core/FailureMessage). Outputs are written atomically, so a failed command leaves
// nothing partial behind.
#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

#include "cli/Commands.h"
#include "core/FailureMessage.h"

int main(int argc, char** argv) {
  CLI::App app{
      "centerpoint-quant: AWML pillar CenterPoint in C++ - inference, checkpoints, INT8 quantization"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "centerpoint-quant 0.1.0");
  cpq::cli::addInferCommand(app);
  cpq::cli::addConvertCommand(app);
  cpq::cli::addDemoCloudCommand(app);
  cpq::cli::addBenchCommand(app);
  cpq::cli::addExportCommand(app);
  cpq::cli::addEvalCommand(app);
  cpq::cli::addTrainCommand(app);
  cpq::cli::addSynthCommand(app);
  cpq::cli::addRenderCommand(app);
  cpq::cli::addPtqCommand(app);
  cpq::cli::addSensitivityCommand(app);
  cpq::cli::addQatCommand(app);
  cpq::cli::addStudyTablesCommand(app);
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (...) {
    std::cerr << cpq::failureMessage(std::current_exception()) << "\n";
    return 1;
  }
  return 0;
}
