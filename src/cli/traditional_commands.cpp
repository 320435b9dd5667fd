// Traditional-mode head-node daemons as `ebbflow` subcommands (what `cluster create` starts and
// a systemd unit would run): `ebbflow jobwatcher|sqswatcher --cluster-dir D [--once]`.
// nodewatcher runs inside `ebbflow compute-node` on each compute instance.
#include "cli/commands.h"
#include "daemons/traditional_mode.h"

namespace ebbflow::cli {

void register_traditional_commands(CLI::App& app) {
  for (bool jobwatcher : {true, false}) {
    auto* sub = app.add_subcommand(jobwatcher ? "jobwatcher" : "sqswatcher",
                                   jobwatcher ? "Traditional mode: raise the compute group's desired capacity for pending jobs"
                                              : "Traditional mode: add ready hosts to the scheduler, remove terminated ones");
    auto* dir = new std::string;
    auto* once = new bool(false);
    sub->add_option("--cluster-dir", *dir, "the cluster's folder")->required();
    sub->add_flag("--once", *once, "run a single step and exit");
    sub->callback([=] {
      int rc = jobwatcher ? daemons::run_jobwatcher_process(*dir, *once) : daemons::run_sqswatcher_process(*dir, *once);
      if (rc != 0) throw CLI::RuntimeError(rc);
    });
  }
}

}  // namespace ebbflow::cli
