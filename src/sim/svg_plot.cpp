#include "sim/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace ebbflow::sim {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {
std::string num(double v) {
  char buf[32];
  if (std::fabs(v) >= 1e5 || (std::fabs(v) < 1e-2 && v != 0))
    std::snprintf(buf, sizeof buf, "%.2g", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}
}  // namespace

std::string svg_plot(const PlotSpec& spec) {
  const double left = 70, right = 170, top = 30, bottom = 45;
  const double w = spec.width - left - right, h = spec.height - top - bottom;
  double x0 = std::numeric_limits<double>::max(), x1 = -x0, y0 = 0, y1 = -x0;
  auto tx = [&](double x) { return spec.log_x ? std::log10(std::max(x, 1.0)) : x; };
  for (const auto& s : spec.series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      x0 = std::min(x0, tx(s.x[i]));
      x1 = std::max(x1, tx(s.x[i]));
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  if (y0 > 0.5 * y1) y0 = y0 * 0.98;  // near-constant data (cost ratios) keeps some room
  auto px = [&](double x) { return left + (tx(x) - x0) / (x1 - x0) * w; };
  auto py = [&](double y) { return top + h - (y - y0) / (y1 - y0) * h; };
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << spec.width << "' height='" << spec.height
    << "' font-family='sans-serif' font-size='11'>";
  o << "<text x='" << left << "' y='18' font-size='13' font-weight='bold'>" << html_escape(spec.title) << "</text>";
  o << "<rect x='" << left << "' y='" << top << "' width='" << w << "' height='" << h
    << "' fill='none' stroke='#999'/>";
  for (int k = 0; k <= 4; ++k) {
    double yv = y0 + (y1 - y0) * k / 4, xv = x0 + (x1 - x0) * k / 4;
    o << "<text x='" << left - 5 << "' y='" << py(yv) + 4 << "' text-anchor='end'>" << num(yv) << "</text>";
    double xr = spec.log_x ? std::pow(10, xv) : xv;
    o << "<text x='" << left + w * k / 4 << "' y='" << top + h + 15 << "' text-anchor='middle'>" << num(xr) << "</text>";
  }
  o << "<text x='" << left + w / 2 << "' y='" << spec.height - 8 << "' text-anchor='middle'>" << html_escape(spec.x_label)
    << "</text>";
  o << "<text x='14' y='" << top + h / 2 << "' transform='rotate(-90 14 " << top + h / 2
    << ")' text-anchor='middle'>" << html_escape(spec.y_label) << "</text>";
  int legend = 0;
  for (const auto& s : spec.series) {
    if (s.x.empty()) continue;
    o << "<polyline fill='none' stroke='" << s.color << "' stroke-width='1.2' points='";
    for (size_t i = 0; i < s.x.size(); ++i) o << px(s.x[i]) << ',' << py(s.y[i]) << ' ';
    o << "'/>";
    if (s.points)
      for (size_t i = 0; i < s.x.size(); ++i)
        o << "<circle cx='" << px(s.x[i]) << "' cy='" << py(s.y[i]) << "' r='3' fill='" << s.color << "'/>";
    double ly = top + 12 + 16 * legend++;
    o << "<rect x='" << left + w + 10 << "' y='" << ly - 8 << "' width='12' height='8' fill='" << s.color << "'/>";
    o << "<text x='" << left + w + 27 << "' y='" << ly << "'>" << html_escape(s.label) << "</text>";
  }
  o << "</svg>";
  return o.str();
}

}  // namespace ebbflow::sim
