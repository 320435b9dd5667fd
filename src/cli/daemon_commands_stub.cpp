// Placeholder until the module's owner replaces this file with daemon_command(s).cpp.
#include "cli/commands.h"
namespace ebbflow::cli {
void register_daemon_commands(CLI::App&) {}
}  // namespace ebbflow::cli
