// The text of the SGE configuration objects an ebbflow cell starts with (bootstrap, global
// configuration, scheduler tweaks, @allhosts, all.q, parallel environments). Pure functions:
// unit-testable without a qmaster. Values follow the tested recipe (docs/sge.md): root may run
// jobs (min_uid/min_gid 0), a dead host turns `u` after 30 s (max_unheard), the scheduler runs
// every second, and all.q has no load thresholds (every simulated host reports the same real
// machine load) and 1 slot unless a per-host `[host=N]` override says otherwise.
#pragma once

#include <map>
#include <string>

namespace ebbflow::daemons::sge {

std::string render_bootstrap(const std::string& cell_common_dir, const std::string& qmaster_spool_dir);

// Replaces the values of `overrides` keys in an SGE "key value" file, keeping every other line;
// keys that are absent are appended.
std::string override_keys(const std::string& text, const std::map<std::string, std::string>& overrides);

// The global configuration: Debian's default-configuration text with the cell's overrides.
std::string render_global_conf(const std::string& debian_default, const std::string& execd_spool_dir);
std::string render_sched_conf(const std::string& current);  // from `qconf -ssconf` output
std::string render_hostgroup();
std::string render_queue();
std::string render_pe(const std::string& name, const std::string& allocation_rule);

}  // namespace ebbflow::daemons::sge
