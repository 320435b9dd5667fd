// Every vector of AWS's SigV4 test suite (aws-c-auth, in ../shared/aws-sigv4-test-suite/v4):
// canonical request, string to sign, signature and Authorization header, byte for byte.
//
// Not applicable, and so not checked: the query-*.txt files of each case. They describe
// presigned URLs (signature in the query string); ebbflow only signs with the Authorization
// header, as botocore does for every API call.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

namespace fs = std::filesystem;
using testing::read_file;

std::string suite_dir() { return testing::shared_dir() + "/aws-sigv4-test-suite/v4"; }

std::vector<std::string> vector_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(suite_dir(), ec))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Parses request.txt: request line, headers (lines starting with white space continue the
// previous header), blank line, body.
SignableRequest parse_request(const std::string& text) {
  SignableRequest req;
  size_t pos = text.find('\n');
  std::string line = text.substr(0, pos);
  size_t sp = line.find(' ');
  size_t http = line.rfind(" HTTP/");
  req.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, http - sp - 1);
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = target.substr(q + 1);
  while (pos != std::string::npos && pos + 1 <= text.size()) {
    size_t start = pos + 1;
    pos = text.find('\n', start);
    line = text.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
    if (line.empty()) {
      if (pos != std::string::npos) req.body = text.substr(pos + 1);
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !req.headers.empty()) {
      req.headers.back().second += " " + line;  // obs-fold: a continuation is white space
      continue;
    }
    size_t colon = line.find(':');
    req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return req;
}

std::string header_of(const SignableRequest& req, const std::string& name) {
  for (const auto& [n, v] : req.headers)
    if (n == name) return v;
  return "";
}

std::vector<std::string> signed_names_from_auth(const std::string& auth) {
  size_t s = auth.find("SignedHeaders=") + 14;
  std::string list = auth.substr(s, auth.find(',', s) - s);
  std::vector<std::string> names;
  std::stringstream ss(list);
  for (std::string n; std::getline(ss, n, ';');) names.push_back(n);
  return names;
}

class SigV4Suite : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, MatchesPublishedVector) {
  const std::string dir = suite_dir() + "/" + GetParam();
  auto ctx = nlohmann::json::parse(read_file(dir + "/context.json"));
  Credentials creds{ctx["credentials"]["access_key_id"], ctx["credentials"]["secret_access_key"],
                    ctx["credentials"].value("token", "")};
  // omit_session_token: the token is added after signing, so it is not part of the signature.
  const bool omit_token = ctx.value("omit_session_token", false);
  if (omit_token) creds.session_token.clear();
  const SigningScope scope{ctx["region"], ctx["service"]};
  const bool normalize = ctx["normalize"];
  const std::string ts = ctx["timestamp"];  // "2015-08-30T12:36:00Z"
  const std::string date = ts.substr(0, 4) + ts.substr(5, 2) + ts.substr(8, 2) + "T" + ts.substr(11, 2) +
                           ts.substr(14, 2) + ts.substr(17, 2) + "Z";

  SignableRequest req = parse_request(read_file(dir + "/request.txt"));
  sign(req, creds, scope, date, ctx["sign_body"].get<bool>());
  const std::string auth = header_of(req, "Authorization");
  ASSERT_FALSE(auth.empty());

  const std::string creq = canonical_request(req, signed_names_from_auth(auth), normalize);
  EXPECT_EQ(creq, read_file(dir + "/header-canonical-request.txt"));
  const std::string sts = string_to_sign(date, scope, creq);
  EXPECT_EQ(sts, read_file(dir + "/header-string-to-sign.txt"));
  const std::string sig = signature(creds.secret_access_key, date, scope, sts);
  EXPECT_EQ(sig, read_file(dir + "/header-signature.txt"));

  // sign() always normalises (every service but S3 wants that), so its Authorization header
  // matches the published one exactly for the normalised cases.
  const std::string signed_text = read_file(dir + "/header-signed-request.txt");
  size_t a = signed_text.find("\nAuthorization:");
  ASSERT_NE(a, std::string::npos);
  const std::string expected_auth = signed_text.substr(a + 15, signed_text.find('\n', a + 1) - a - 15);
  if (normalize) {
    EXPECT_EQ(auth, expected_auth);
  } else {
    EXPECT_EQ(auth.substr(0, auth.find("Signature=")), expected_auth.substr(0, expected_auth.find("Signature=")));
  }
  if (!creds.session_token.empty()) {
    EXPECT_EQ(header_of(req, "X-Amz-Security-Token"), creds.session_token);
  }
  EXPECT_EQ(header_of(req, "X-Amz-Date"), date);
}

INSTANTIATE_TEST_SUITE_P(AwsCAuth, SigV4Suite, ::testing::ValuesIn(vector_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(SigV4SuitePresence, SuiteIsThere) {
  // Guards against the parameterised suite silently having no cases.
  EXPECT_GE(vector_names().size(), 30u) << "no vectors found under " << suite_dir();
}

TEST(SigV4, AmzDate) {
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
  EXPECT_EQ(amz_date(0), "19700101T000000Z");
}

TEST(SigV4, UriEncode) {
  EXPECT_EQ(uri_encode("a b/c~d-e_f.g"), "a%20b%2Fc~d-e_f.g");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b/c");
  EXPECT_EQ(uri_encode("\xE1\x88\xB4+=&%"), "%E1%88%B4%2B%3D%26%25");
}

TEST(SigV4, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4, ResigningReplacesPreviousSignature) {
  SignableRequest req{"POST", "/", "", {{"Host", "ec2.us-east-1.amazonaws.com"}}, "Action=X"};
  Credentials creds{"AKID", "secret", "tok"};
  sign(req, creds, {"us-east-1", "ec2"}, "20240101T000000Z");
  sign(req, creds, {"us-east-1", "ec2"}, "20240101T000100Z");
  int auths = 0, dates = 0, tokens = 0;
  for (const auto& [n, v] : req.headers) {
    auths += n == "Authorization";
    dates += n == "X-Amz-Date";
    tokens += n == "X-Amz-Security-Token";
  }
  EXPECT_EQ(auths, 1);
  EXPECT_EQ(dates, 1);
  EXPECT_EQ(tokens, 1);
  EXPECT_EQ(header_of(req, "X-Amz-Date"), "20240101T000100Z");
}

}  // namespace
}  // namespace ebbflow::aws
