#include "sim/swf_reader.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace ebbflow::sim {
namespace {

// Larger magnitudes than any SWF field holds (seconds, KB, ids) and still exact in a double.
constexpr double kMaxField = 1e15;

// Parses one integer field; SWF fields are integers, but a few logs write "-1.0" or "12.5".
bool parse_field(const char*& p, const char* end, double& out) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
  if (p >= end) return false;
  auto [next, ec] = std::from_chars(p, end, out);
  if (ec != std::errc()) return false;
  // "inf", "nan" and huge values would make the integer conversions below undefined.
  if (!std::isfinite(out) || std::fabs(out) > kMaxField) return false;
  p = next;
  return true;
}

// Processor counts become ints: larger ones are out of range, not a job.
bool fits_int(double v) {
  return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max();
}

void read_header(const char* p, const char* end, Trace& trace) {
  static constexpr const char kKey[] = "MaxProcs:";
  const char* hit = std::search(p, end, kKey, kKey + sizeof(kKey) - 1);
  if (hit == end) return;
  const char* q = hit + sizeof(kKey) - 1;
  double v = 0;
  if (parse_field(q, end, v) && fits_int(v)) trace.max_procs = static_cast<int>(v);
}

}  // namespace

Result<Trace> parse_swf(const std::string& text, const std::string& source) {
  Trace trace;
  trace.name = source.substr(source.find_last_of('/') == std::string::npos ? 0 : source.find_last_of('/') + 1);
  const char* p = text.data();
  const char* const end = p + text.size();
  int64_t line_no = 0;
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!eol) eol = end;
    ++line_no;
    const char* q = p;
    while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
    if (q < eol && *q == ';') {
      read_header(q, eol, trace);
    } else if (q < eol) {
      double f[18];
      int n = 0;
      while (n < 18 && parse_field(q, eol, f[n])) ++n;
      while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
      if (n < 18 || q != eol)
        return make_error(ErrorKind::kInvalidInput, "ParseError",
                          source + ":" + std::to_string(line_no) + ": a job line needs 18 numeric fields (found " +
                              std::to_string(n) + (q != eol ? " and trailing text" : "") + ")");
      if (!fits_int(f[4]) || !fits_int(f[7]))
        return make_error(ErrorKind::kInvalidInput, "ParseError",
                          source + ":" + std::to_string(line_no) + ": processor count out of range");
      TraceJob job;
      job.id = static_cast<int64_t>(f[0]);
      job.submit = static_cast<int64_t>(f[1]);
      job.run = static_cast<int64_t>(f[3]);
      job.procs = f[4] > 0 ? static_cast<int>(f[4]) : static_cast<int>(f[7]);
      job.requested = f[8] >= 1 ? static_cast<int64_t>(f[8]) : job.run;  // "0.5" would truncate to 0
      if (job.run <= 0 || job.procs <= 0 || job.submit < 0) {
        ++trace.skipped;
      } else {
        trace.jobs.push_back(job);
      }
    }
    p = eol + 1;
  }
  std::stable_sort(trace.jobs.begin(), trace.jobs.end(),
                   [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
  return trace;
}

Result<Trace> read_swf_file(const std::string& path) {
  // gzread reads plain files unchanged, so one path serves both forms.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return make_error(ErrorKind::kNotFound, "NotFound", path + ": cannot open the trace file");
  gzbuffer(f, 1 << 20);
  std::string text;
  std::vector<char> buf(1 << 20);
  for (;;) {
    int got = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (got < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      return make_error(ErrorKind::kInvalidInput, "ParseError", path + ": cannot decompress: " + msg);
    }
    if (got == 0) break;
    text.append(buf.data(), static_cast<size_t>(got));
  }
  gzclose(f);
  return parse_swf(text, path);
}

}  // namespace ebbflow::sim
