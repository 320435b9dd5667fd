#include "cloud/model.h"

#include <openssl/rand.h>

#include <algorithm>

namespace ebbflow::cloud {

int state_code(const std::string& state) {
  if (state == kPending) return 0;
  if (state == kRunning) return 16;
  if (state == kShuttingDown) return 32;
  if (state == kTerminated) return 48;
  if (state == "stopping") return 64;
  if (state == "stopped") return 80;
  return 0;
}

std::string reason_message(const std::string& code) {
  if (code == kReasonUserShutdown) return code + ": User initiated shutdown";
  if (code == kReasonInstanceShutdown) return code + ": Instance initiated shutdown";
  if (code == kReasonInternalError) return code + ": Internal error";
  return code;
}

std::string private_dns_name(const std::string& ip) {
  std::string host = ip;
  std::replace(host.begin(), host.end(), '.', '-');
  return "ip-" + host + ".ec2.internal";
}

std::string random_hex(int n) {
  static const char* digits = "0123456789abcdef";
  std::string bytes((n + 1) / 2, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  out.resize(n);
  return out;
}

}  // namespace ebbflow::cloud
