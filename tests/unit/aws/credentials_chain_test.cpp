// The credential chain without IMDS: environment, shared files (tests/data/aws/credentials and
// temp files), profile selection, precedence, region order, caching and redaction.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "aws/credentials.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;

EnvLookup env_of(const Vars& vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string data(const std::string& name) {
  return testing::source_dir() + "/tests/data/aws/credentials/" + name;
}

// The shared files from tests/data, IMDS switched off (never 169.254.169.254 from a test).
Vars files_env(Vars extra = {}) {
  Vars v = {{"AWS_SHARED_CREDENTIALS_FILE", data("credentials")},
            {"AWS_CONFIG_FILE", data("config")},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"HOME", "/nonexistent-ebbflow-home"}};
  for (auto& [k, val] : extra) v[k] = val;
  return v;
}

Result<TimedCredentials> chain_load(const Vars& vars) { return default_credentials_chain(env_of(vars))->load(1000); }

TEST(CredentialsChain, EnvironmentComesFirst) {
  auto r = chain_load(files_env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                 {"AWS_SESSION_TOKEN", "envtoken"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(r->credentials.secret_access_key, "envsecret");
  EXPECT_EQ(r->credentials.session_token, "envtoken");
  EXPECT_EQ(r->source, "environment");
  EXPECT_EQ(r->expiration, 0);
}

TEST(CredentialsChain, PartialEnvironmentIsAnErrorNotAFallThrough) {
  auto r = chain_load(files_env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PartialCredentials");
  EXPECT_NE(r.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(CredentialsChain, DefaultProfileFromCredentialsFile) {
  auto r = chain_load(files_env());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIDCREDSFILEDEFAULT");
  EXPECT_EQ(r->credentials.secret_access_key, "secret-from-credentials-file");
  EXPECT_EQ(r->credentials.session_token, "");
  EXPECT_EQ(r->source, "profile default");
}

TEST(CredentialsChain, CredentialsFileWinsOverConfigFile) {
  auto r = chain_load(files_env({{"AWS_PROFILE", "both"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIDBOTHFROMCREDS");
  EXPECT_EQ(r->credentials.secret_access_key, "secret-both-creds");
}

TEST(CredentialsChain, ConfigFileNeedsProfilePrefix) {
  auto r = chain_load(files_env({{"AWS_PROFILE", "confonly"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIDCONFIGONLY");
  EXPECT_EQ(r->credentials.session_token, "token-config-only");
  // [confonly-bare] in the config file is not a profile; AWS_PROFILE names a missing one.
  auto bare = chain_load(files_env({{"AWS_PROFILE", "confonly-bare"}}));
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.error().code, "ProfileNotFound");
}

TEST(CredentialsChain, CredentialsFileSectionsAreLiteralNames) {
  // In the credentials file "[profile notaprofile]" is a profile called "profile notaprofile".
  EXPECT_FALSE(chain_load(files_env({{"AWS_PROFILE", "notaprofile"}})).ok());
  auto r = chain_load(files_env({{"AWS_PROFILE", "profile notaprofile"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIDLITERALNAME");
}

TEST(CredentialsChain, PartialProfileNamesTheMissingKeyButNoSecret) {
  auto r = chain_load(files_env({{"AWS_PROFILE", "partial"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PartialCredentials");
  EXPECT_NE(r.error().message.find("aws_secret_access_key"), std::string::npos);
  EXPECT_EQ(r.error().message.find("AKIDPARTIAL"), std::string::npos);
}

TEST(CredentialsChain, RoleArnProfileIsNotSupportedAndSaysSo) {
  auto r = chain_load(files_env({{"AWS_PROFILE", "assumer"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NoCredentials");
  EXPECT_NE(r.error().message.find("role_arn"), std::string::npos);
}

TEST(CredentialsChain, NothingAnywhereIsNoCredentials) {
  auto r = chain_load({{"AWS_EC2_METADATA_DISABLED", "true"}, {"HOME", "/nonexistent-ebbflow-home"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NoCredentials");
  EXPECT_EQ(r.error().kind, ErrorKind::kGiveUp);
}

TEST(CredentialsChain, MalformedFileReportsFileAndLine) {
  auto r = chain_load(files_env({{"AWS_CONFIG_FILE", data("broken-config")}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidProfileFile");
  EXPECT_NE(r.error().message.find("broken-config:1"), std::string::npos) << r.error().message;
}

TEST(CredentialsChain, HomeDirectoryDefaultsAndLaterSectionWins) {
  char tmpl[] = "/tmp/ebbflow-creds-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string home = tmpl;
  fs::create_directories(home + "/.aws");
  std::ofstream(home + "/.aws/credentials") << "[default]\naws_access_key_id = OLD\naws_secret_access_key = s1\n"
                                            << "[default]\naws_access_key_id = NEW\n";
  std::ofstream(home + "/.aws/config") << "[profile default]\nregion = sa-east-1\n";
  auto r = chain_load({{"HOME", home}, {"AWS_EC2_METADATA_DISABLED", "TRUE"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "NEW");
  EXPECT_EQ(r->credentials.secret_access_key, "s1");
  auto region = resolve_region(env_of({{"HOME", home}, {"AWS_EC2_METADATA_DISABLED", "true"}}));
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(*region, "sa-east-1");
  fs::remove_all(home);
}

TEST(Region, EnvironmentThenProfile) {
  EXPECT_EQ(*resolve_region(env_of(files_env({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "x"}}))), "us-west-2");
  EXPECT_EQ(*resolve_region(env_of(files_env({{"AWS_DEFAULT_REGION", "ca-central-1"}}))), "ca-central-1");
  EXPECT_EQ(*resolve_region(env_of(files_env())), "eu-west-1");
  // The nested "s3 = / region = ..." block must not override the profile's own region.
  EXPECT_EQ(*resolve_region(env_of(files_env({{"AWS_PROFILE", "both"}}))), "ap-southeast-2");
  auto none = resolve_region(env_of({{"AWS_EC2_METADATA_DISABLED", "true"}, {"HOME", "/nonexistent-ebbflow-home"}}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "NoRegion");
}

TEST(Redaction, PrinterShowsOnlyTheKeyIdTail) {
  Credentials c{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLETOKEN"};
  std::ostringstream os;
  os << c;
  EXPECT_EQ(os.str(), "****MPLE (secret ****, session token ****)");
  EXPECT_EQ(os.str().find("wJalr"), std::string::npos);
  EXPECT_EQ(redacted(Credentials{"AK", "", ""}), "**** (no secret)");
}

// A provider that counts loads and hands out credentials expiring at `expiration`.
class CountingProvider : public CredentialsProvider {
 public:
  Result<TimedCredentials> load(int64_t now) override {
    ++calls;
    if (fail) return make_error(ErrorKind::kUnavailable, "ConnectionFailed", "imds down");
    return TimedCredentials{{"AKID" + std::to_string(calls), "s", "t"}, expiration, "counting"};
  }
  void invalidate() override { ++invalidations; }
  int calls = 0;
  int invalidations = 0;
  int64_t expiration = 0;
  bool fail = false;
};

TEST(CachingProvider, RefreshesOnlyWithinTheMarginAndKeepsValidOnesOnFailure) {
  auto inner = std::make_shared<CountingProvider>();
  inner->expiration = 10000;
  int64_t now = 1000;
  CachingCredentialsProvider cache(inner, [&] { return now; }, 300);
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID1");
  now = 9699;  // 301 s left: still fresh
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID1");
  EXPECT_EQ(inner->calls, 1);
  now = 9700;  // inside the margin: refresh
  inner->expiration = 20000;
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID2");
  EXPECT_EQ(cache.loads(), 2);
  // The next refresh fails while the cached set is still valid: keep using it, and do not ask
  // again on every call.
  now = 19800;
  inner->fail = true;
  auto kept = cache.get();
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->credentials.access_key_id, "AKID2");
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID2");
  EXPECT_EQ(inner->calls, 3);
  now = 19800 + CachingCredentialsProvider::kMinRefreshIntervalS;
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID2");
  EXPECT_EQ(inner->calls, 4);
  // ... but not once it has expired.
  now = 20000;
  auto gone = cache.get();
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "ConnectionFailed");
  // invalidate() forgets the cache and tells the inner provider.
  inner->fail = false;
  inner->expiration = 0;
  cache.invalidate();
  EXPECT_EQ(inner->invalidations, 1);
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID6");
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID6");  // expiration 0: never refreshed
}

TEST(CachingProvider, ShortLivedCredentialsAreNotFetchedOnEveryCall) {
  auto inner = std::make_shared<CountingProvider>();
  int64_t now = 1000;
  inner->expiration = now + 60;  // shorter than the 300 s margin
  CachingCredentialsProvider cache(inner, [&] { return now; }, 300);
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID1");
  now += CachingCredentialsProvider::kMinRefreshIntervalS - 1;
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID1");
  now += 1;
  EXPECT_EQ(cache.get()->credentials.access_key_id, "AKID2");
}

}  // namespace
}  // namespace ebbflow::aws
