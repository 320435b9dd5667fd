// A minimal inline-SVG line/point plot for the HTML report (no external assets).
#pragma once

#include <string>
#include <vector>

namespace ebbflow::sim {

struct PlotSeries {
  std::string label;
  std::string color;
  std::vector<double> x, y;
  bool points = false;  // markers instead of (in addition to) a line
};

struct PlotSpec {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  bool log_x = false;
  int width = 900, height = 300;
};

std::string svg_plot(const PlotSpec& spec);
std::string html_escape(const std::string& s);

}  // namespace ebbflow::sim
