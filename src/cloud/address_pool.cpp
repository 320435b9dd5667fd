#include "cloud/address_pool.h"

#include <charconv>

namespace ebbflow::cloud {

Result<uint32_t> parse_ipv4(const std::string& s) {
  uint32_t addr = 0;
  const char* p = s.data();
  const char* end = s.data() + s.size();
  for (int i = 0; i < 4; ++i) {
    unsigned octet = 0;
    auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || next == p || octet > 255 || next - p > 3) {
      return make_error(ErrorKind::kInvalidInput, "InvalidAddress", "not an IPv4 address: '" + s + "'");
    }
    addr = (addr << 8) | octet;
    p = next;
    if (i < 3) {
      if (p == end || *p != '.') {
        return make_error(ErrorKind::kInvalidInput, "InvalidAddress", "not an IPv4 address: '" + s + "'");
      }
      ++p;
    }
  }
  if (p != end) return make_error(ErrorKind::kInvalidInput, "InvalidAddress", "not an IPv4 address: '" + s + "'");
  return addr;
}

std::string format_ipv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
         "." + std::to_string(a & 255);
}

Result<AddressPool> AddressPool::parse(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) {
    return make_error(ErrorKind::kInvalidInput, "InvalidAddressPool", "address pool '" + cidr + "' needs a /prefix");
  }
  auto addr = parse_ipv4(cidr.substr(0, slash));
  if (!addr.ok()) return addr.error();
  int prefix = -1;
  std::string p = cidr.substr(slash + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (ec != std::errc() || ptr != p.data() + p.size() || prefix < 8 || prefix > 30) {
    return make_error(ErrorKind::kInvalidInput, "InvalidAddressPool",
                      "address pool '" + cidr + "': prefix must be 8..30");
  }
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  uint32_t base = *addr & mask;
  if ((base >> 24) != 127) {
    return make_error(ErrorKind::kInvalidInput, "InvalidAddressPool",
                      "address pool '" + cidr + "' must lie inside 127.0.0.0/8 (loopback only)");
  }
  return AddressPool(base, prefix);
}

std::string AddressPool::cidr() const { return format_ipv4(base_) + "/" + std::to_string(prefix_); }

bool AddressPool::usable(uint32_t addr) const {
  uint32_t last = addr & 255;
  return last != 0 && last != 1 && last != 255;
}

Result<std::string> AddressPool::allocate(const std::function<bool(const std::string&)>& in_use) {
  const uint64_t n = size();
  for (uint64_t step = 1; step <= n; ++step) {
    uint64_t offset = (cursor_ + step) % n;
    uint32_t addr = base_ + static_cast<uint32_t>(offset);
    if (!usable(addr)) continue;
    std::string ip = format_ipv4(addr);
    if (in_use(ip)) continue;
    cursor_ = offset;
    return ip;
  }
  return make_error(ErrorKind::kBackOff, "InsufficientAddressCapacity",
                    "no free address left in pool " + cidr());
}

void AddressPool::note_used(const std::string& ip) {
  auto addr = parse_ipv4(ip);
  if (!addr.ok()) return;
  uint64_t n = size();
  if (*addr < base_ || *addr - base_ >= n) return;
  uint64_t offset = *addr - base_;
  // Keep the cursor at the furthest address seen, so a restart does not rewind it.
  if (offset > cursor_) cursor_ = offset;
}

}  // namespace ebbflow::cloud
