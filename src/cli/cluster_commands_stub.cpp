// Placeholder until the module's owner replaces this file with cluster_command(s).cpp.
#include "cli/commands.h"
namespace ebbflow::cli {
void register_cluster_commands(CLI::App&) {}
}  // namespace ebbflow::cli
