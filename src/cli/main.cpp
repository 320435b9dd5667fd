// `ebbflow`: one command, many subcommands (see `ebbflow --help`).
#include <iostream>

#include "cli/commands.h"

#ifndef EBBFLOW_VERSION
#define EBBFLOW_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"ebbflow: elastic HPC clusters (Slurm, SGE, Torque) on EC2 or a local cloud"};
  app.set_version_flag("--version", std::string("ebbflow ") + EBBFLOW_VERSION);
  app.require_subcommand(1);
  ebbflow::cli::register_validate_command(app);
  ebbflow::cli::register_cloud_commands(app);
  ebbflow::cli::register_cluster_commands(app);
  ebbflow::cli::register_daemon_commands(app);
  ebbflow::cli::register_ops_commands(app);
  ebbflow::cli::register_simulate_command(app);
  ebbflow::cli::register_traditional_commands(app);
  ebbflow::cli::register_sge_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
