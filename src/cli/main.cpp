// centerpoint-quant: one CLI, one subcommand per pipeline step. User errors (cpq::Error) print one line and
// exit 1; nothing else is caught, so a bug still shows its trace.
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/Commands.h"
#include "core/Error.h"

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
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const cpq::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
