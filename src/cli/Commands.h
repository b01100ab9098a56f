#pragma once
// Each subcommand registers its flags on the app and runs through the library; the CLI stays thin.
#include <CLI/CLI.hpp>

namespace cpq::cli {

void addInferCommand(CLI::App& app);
void addConvertCommand(CLI::App& app);
void addDemoCloudCommand(CLI::App& app);
void addBenchCommand(CLI::App& app);
void addExportCommand(CLI::App& app);
void addEvalCommand(CLI::App& app);
void addTrainCommand(CLI::App& app);
void addSynthCommand(CLI::App& app);
void addRenderCommand(CLI::App& app);
void addPtqCommand(CLI::App& app);
void addSensitivityCommand(CLI::App& app);
void addQatCommand(CLI::App& app);
void addStudyTablesCommand(CLI::App& app);

}  // namespace cpq::cli
