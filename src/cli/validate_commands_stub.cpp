// Placeholder until the module's owner replaces this file with validate_command(s).cpp.
#include "cli/commands.h"
namespace ebbflow::cli {
void register_validate_command(CLI::App&) {}
}  // namespace ebbflow::cli
