#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/swf_reader.h"

namespace ebbflow::sim {
namespace {

std::string data(const std::string& name) { return std::string(EBBFLOW_SIM_DATA) + "/" + name; }

TEST(SwfReader, ReadsJobsHeaderAndSkipsUnreplayable) {
  auto t = read_swf_file(data("small.swf"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->name, "small.swf");
  EXPECT_EQ(t->max_procs, 16);
  EXPECT_EQ(t->skipped, 1);  // job 4: run time -1
  ASSERT_EQ(t->jobs.size(), 4u);
  // Sorted by submit: 1 (0), 5 (5), 2 (10), 3 (20).
  EXPECT_EQ(t->jobs[0].id, 1);
  EXPECT_EQ(t->jobs[1].id, 5);
  EXPECT_EQ(t->jobs[2].id, 2);
  EXPECT_EQ(t->jobs[0].requested, 200);
  EXPECT_EQ(t->jobs[2].requested, 50);  // no request: the run time
  EXPECT_EQ(t->jobs[3].procs, 2);       // field 5 = -1: field 8
}

TEST(SwfReader, GzipAndPlainGiveTheSameJobs) {
  char tmpl[] = "/tmp/ebbflow-sim-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string gz = std::string(tmpl) + "/small.swf.gz";
  std::ifstream in(data("small.swf"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  gzFile f = gzopen(gz.c_str(), "wb9");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(f);
  auto a = read_swf_file(data("small.swf"));
  auto b = read_swf_file(gz);
  std::filesystem::remove_all(tmpl);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(a->jobs.size(), b->jobs.size());
  for (size_t i = 0; i < a->jobs.size(); ++i) {
    EXPECT_EQ(a->jobs[i].id, b->jobs[i].id);
    EXPECT_EQ(a->jobs[i].run, b->jobs[i].run);
  }
}

TEST(SwfReader, MalformedLineNamesFileAndLine) {
  auto t = parse_swf("; header\n1 0 0 10 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1\n2 0 0 10 1\n", "x.swf");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(t.error().message.find("x.swf:3:"), std::string::npos) << t.error().message;
  auto junk = parse_swf("1 0 0 10 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1 abc\n", "y.swf");
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message.find("y.swf:1:"), std::string::npos);
}

TEST(SwfReader, MissingFileIsNotFound) {
  auto t = read_swf_file("/nonexistent/trace.swf");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace ebbflow::sim
