// Each group of `ebbflow` subcommands registers itself on the root CLI11 app.
// A registered subcommand's callback runs the command and throws CLI::RuntimeError(code) to
// exit non-zero (the message has already been printed to stderr).
#pragma once

#include <CLI/CLI.hpp>

namespace ebbflow::cli {

void register_validate_command(CLI::App& app);   // cli/validate_command.cpp (config helper)
void register_cloud_commands(CLI::App& app);     // cli/cloud_commands.cpp   (local cloud)
void register_cluster_commands(CLI::App& app);   // cli/cluster_commands.cpp
void register_daemon_commands(CLI::App& app);    // cli/daemon_commands.cpp  (clustermgtd, resume, ...)
void register_simulate_command(CLI::App& app);   // cli/simulate_command.cpp (trace replay)
void register_ops_commands(CLI::App& app);       // cli/ops_commands.cpp     (dashboard, events)
void register_traditional_commands(CLI::App& app);  // cli/traditional_commands.cpp (jobwatcher, sqswatcher)
void register_sge_commands(CLI::App& app);       // cli/sge_commands.cpp     (sge-cell, sge-host)

}  // namespace ebbflow::cli
