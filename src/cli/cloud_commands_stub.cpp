// Placeholder until the module's owner replaces this file with cloud_command(s).cpp.
#include "cli/commands.h"
namespace ebbflow::cli {
void register_cloud_commands(CLI::App&) {}
}  // namespace ebbflow::cli
