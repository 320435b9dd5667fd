// Private addresses for local-cloud instances, from a pool inside 127.0.0.0/8.
//
// Every address in 127.0.0.0/8 reaches this machine over loopback, so each instance can bind
// its daemons to an address of its own. The pool hands out addresses round-robin from a
// cursor: an address freed by a terminated instance is reused only after the whole pool has
// been walked, so a stale record (a Slurm node address, a DNS cache) rarely points at a new
// instance. Last octets .0, .1 and .255 are never used. Not thread-safe (the caller locks).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "util/result.h"

namespace ebbflow::cloud {

class AddressPool {
 public:
  // `cidr` such as "127.77.0.0/16"; must lie inside 127.0.0.0/8 (prefix 8..30).
  static Result<AddressPool> parse(const std::string& cidr);

  // The next usable address after the cursor for which `in_use` is false, or kBackOff
  // "InsufficientAddressCapacity" when every address is taken.
  Result<std::string> allocate(const std::function<bool(const std::string&)>& in_use);

  // Moves the cursor past `ip` (used when re-loading instances after a restart).
  void note_used(const std::string& ip);

  std::string cidr() const;
  uint64_t size() const { return uint64_t{1} << (32 - prefix_); }

 private:
  AddressPool(uint32_t base, int prefix) : base_(base), prefix_(prefix), cursor_(0) {}
  bool usable(uint32_t addr) const;

  uint32_t base_;     // network address, host byte order
  int prefix_;
  uint64_t cursor_;   // offset of the last allocated address within the pool
};

// "a.b.c.d" <-> host-order integer; parse fails on anything else.
Result<uint32_t> parse_ipv4(const std::string& s);
std::string format_ipv4(uint32_t addr);

}  // namespace ebbflow::cloud
