// A self-contained HTML report of one `ebbflow simulate` run: the results table and inline SVG
// plots (nodes over time against demand, queue length, wait distribution, cost against wait over
// a ScaledownIdletime sweep). No scripts, fonts or other external assets.
#pragma once

#include <string>

#include "sim/report.h"

namespace ebbflow::sim {

std::string format_html(const RunReport& report);

}  // namespace ebbflow::sim
