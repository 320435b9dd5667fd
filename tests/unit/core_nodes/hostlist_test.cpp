// Hostlist expansion/compression: Slurm's syntax, errors, and round-trip properties.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

#include "core/hostlist.h"

namespace ebbflow::core {
namespace {

using Names = std::vector<std::string>;

Names expand_ok(std::string_view expr) {
  auto r = expand_hostlist(expr);
  EXPECT_TRUE(r.ok()) << expr << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Names{};
}

TEST(Hostlist, ExpandsSlurmForms) {
  EXPECT_EQ(expand_ok("q-dy-c5-[1-3,7],q-st-c5-1"),
            (Names{"q-dy-c5-1", "q-dy-c5-2", "q-dy-c5-3", "q-dy-c5-7", "q-st-c5-1"}));
  EXPECT_EQ(expand_ok("n[001-003]"), (Names{"n001", "n002", "n003"}));
  EXPECT_EQ(expand_ok("n[098-101]"), (Names{"n098", "n099", "n100", "n101"}));
  EXPECT_EQ(expand_ok("n[8-11]"), (Names{"n8", "n9", "n10", "n11"}));
  EXPECT_EQ(expand_ok("a[1-2]b"), (Names{"a1b", "a2b"}));
  EXPECT_EQ(expand_ok("[1-2]x"), (Names{"1x", "2x"}));
  EXPECT_EQ(expand_ok("queue1-st-c5xlarge-[1,3,4-5],queue1-st-c5large-20"),
            (Names{"queue1-st-c5xlarge-1", "queue1-st-c5xlarge-3", "queue1-st-c5xlarge-4",
                   "queue1-st-c5xlarge-5", "queue1-st-c5large-20"}));
  EXPECT_EQ(expand_ok("efa-st-efa-c5n-[1-1]"), (Names{"efa-st-efa-c5n-1"}));
  EXPECT_EQ(expand_ok("single"), (Names{"single"}));
  EXPECT_EQ(expand_ok("gpu-dy-g4dn-[001-002],q-dy-c5-[1-3],q-st-c5-[1-2]\n").size(), 7u);  // sinfo %N
  EXPECT_TRUE(expand_ok("").empty());
}

TEST(Hostlist, RejectsMalformedExpressions) {
  for (const char* bad : {"n[3-1]", "n[1-3", "n1-3]", "n[[1-3]]", "a,,b", ",a", "a,", "n[]", "n[1,]",
                          "n[,1]", "n[1-]", "n[-1]", "n[a-b]", "n[1-2]x[3-4]", "n[1-2000000]", "a b",
                          "n[1-600000],m[1-600000]", "n[1-1-2]", "a\rb", "a\r,b"}) {
    auto r = expand_hostlist(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_NE(r.error().message.find("position"), std::string::npos) << r.error().message;
  }
}

TEST(Hostlist, AcceptsExactlyTheLimit) {
  auto r = expand_hostlist("n[1-1000000]");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 1'000'000u);
  EXPECT_EQ(r->back(), "n1000000");
}

TEST(Hostlist, CompressesIntoRanges) {
  EXPECT_EQ(compress_hostlist({"q-dy-c5-3", "q-dy-c5-1", "q-dy-c5-2", "q-dy-c5-7", "q-st-c5-1"}),
            "q-dy-c5-[1-3,7],q-st-c5-1");
  EXPECT_EQ(compress_hostlist({"n001", "n002", "n010"}), "n[001-002,010]");
  EXPECT_EQ(compress_hostlist({"n099", "n100"}), "n[099-100]");
  EXPECT_EQ(compress_hostlist({"n9", "n10", "n11"}), "n[9-11]");
  EXPECT_EQ(compress_hostlist({"a1b", "a2b", "a3c"}), "a[1-2]b,a3c");
  EXPECT_EQ(compress_hostlist({"login", "login", "n1"}), "login,n1");
  EXPECT_EQ(compress_hostlist({"abc", "abc1", "abc2"}), "abc,abc[1-2]");
  EXPECT_EQ(compress_hostlist({"n1", "n1", "n2"}), "n[1-2]");
  EXPECT_EQ(compress_hostlist({}), "");
  EXPECT_EQ(compress_hostlist({"n01", "n1"}), "n01,n1");  // different names: not merged
}

// Fuzzing finding 12: "q-99" joins the padded group "q-[06,99]", so "q-[3-5]" starts where "q-3"
// did, after "7". Before the fix the group order depended on where "q-99" was listed, and
// compressing the expansion of the output put "q-[3-5]" before "7".
TEST(Hostlist, CompressingTheExpansionOfTheOutputGivesTheOutput) {
  std::string once = compress_hostlist({"q-06", "7", "q-3", "q-4", "q-5", "q-99", "login"});
  EXPECT_EQ(once, "q-[06,99],7,q-[3-5],login");
  auto names = expand_hostlist(once);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(compress_hostlist(*names), once);
}

// Property: expand(compress(S)) == S as a set, for random sets mixing prefixes, padding,
// suffixes, plain names and duplicates.
TEST(Hostlist, RoundTripsRandomNameSets) {
  std::mt19937 rng(20261126);
  const char* prefixes[] = {"q-dy-c5-", "q-st-c5-", "gpu-dy-g4dn-", "n", "a-1-", "x"};
  const char* suffixes[] = {"", "", "", "b", "-eth0"};
  for (int round = 0; round < 300; ++round) {
    Names names;
    int count = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < count; ++i) {
      std::string name = prefixes[rng() % 6];
      unsigned value = rng() % (round % 3 == 0 ? 30 : 2000);
      switch (rng() % 4) {
        case 0: {
          std::string digits = std::to_string(value);
          name += std::string(digits.size() < 4 ? 4 - digits.size() : 0, '0') + digits;
          break;
        }
        case 1:
          if (rng() % 10 == 0) break;  // a plain name (prefix only)
          [[fallthrough]];
        default:
          name += std::to_string(value);
      }
      name += suffixes[rng() % 5];
      names.push_back(name);
    }
    std::string compressed = compress_hostlist(names);
    auto expanded = expand_hostlist(compressed);
    ASSERT_TRUE(expanded.ok()) << compressed << ": " << expanded.error().message;
    std::set<std::string> want(names.begin(), names.end());
    std::set<std::string> got(expanded->begin(), expanded->end());
    ASSERT_EQ(got, want) << compressed;
    ASSERT_EQ(expanded->size(), got.size()) << "duplicates in " << compressed;
    // Compressing again gives the same expression, group order included (a canonical form).
    ASSERT_EQ(compress_hostlist(*expanded), compressed);
  }
}

// Property: compress(expand(E)) expands to the same names for random well-formed expressions.
TEST(Hostlist, ExpandThenCompressPreservesNames) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string expr;
    int items = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < items; ++i) {
      if (i) expr += ',';
      expr += "p" + std::to_string(i) + "-[";
      unsigned lo = rng() % 50;
      int ranges = 1 + static_cast<int>(rng() % 3);
      for (int r = 0; r < ranges; ++r) {
        if (r) expr += ',';
        unsigned hi = lo + rng() % 20;
        expr += std::to_string(lo) + "-" + std::to_string(hi);
        lo = hi + 2 + rng() % 5;
      }
      expr += "]";
    }
    Names first = expand_ok(expr);
    Names second = expand_ok(compress_hostlist(first));
    EXPECT_EQ(std::set<std::string>(first.begin(), first.end()),
              std::set<std::string>(second.begin(), second.end()))
        << expr;
  }
}

TEST(Hostlist, HundredThousandNamesRoundTrip) {
  // Speed at this size is measured by bench/ (BM_HostlistExpand/BM_HostlistCompress), not here.
  auto names = expand_hostlist("q-dy-c5-[1-50000],q-st-c5-[1-30000],gpu-dy-g4dn-[00001-20000]");
  ASSERT_TRUE(names.ok());
  ASSERT_EQ(names->size(), 100'000u);
  EXPECT_EQ(compress_hostlist(*names), "q-dy-c5-[1-50000],q-st-c5-[1-30000],gpu-dy-g4dn-[00001-20000]");
}

}  // namespace
}  // namespace ebbflow::core
