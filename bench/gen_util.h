// Small helpers shared by the input generators: a seeded hash (every generated value derives
// from an index through it, so inputs are reproducible without a random engine's state), and
// the text forms of times, addresses and ids that Slurm and EC2 print.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace ebbflow::bench {

// splitmix64 of (index, stream): independent draws per stream for the same index.
inline uint64_t mix(uint64_t index, uint64_t stream) {
  uint64_t z = index * 0x9E3779B97F4A7C15ull + stream * 0xD1B54A32D192ED03ull + 0x2545F4914F6CDD1Dull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Slurm's time format (TZ=UTC): 2026-11-26T00:37:56
inline std::string slurm_time(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

// EC2's time format: 2024-03-01T10:15:30.000Z
inline std::string ec2_time(int64_t t) { return slurm_time(t) + ".000Z"; }

// A private address per index in 10.0.0.0/8 (indices up to 16M are distinct).
inline std::string node_ip(uint64_t k) {
  uint64_t v = k + 4096;
  return "10." + std::to_string((v >> 16) & 255) + "." + std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

// "10.1.2.3" -> "ip-10-1-2-3" (the NodeHostName ebbflow sets; EC2 appends ".ec2.internal").
inline std::string dns_label(const std::string& ip) {
  std::string s = "ip-" + ip;
  for (char& c : s)
    if (c == '.') c = '-';
  return s;
}

// "i-0" + 16 hex digits: the 17-hex-digit form of current EC2 ids.
inline std::string instance_id(uint64_t k) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "i-0%016llx", static_cast<unsigned long long>(mix(k, 7)));
  return buf;
}

inline std::string hex_id(const char* prefix, uint64_t k, uint64_t stream) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%017llx", prefix, static_cast<unsigned long long>(mix(k, stream) >> 4));
  return buf;
}

}  // namespace ebbflow::bench
