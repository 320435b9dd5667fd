// verify(): the server side of SigV4, as the local cloud uses it.
#include <gtest/gtest.h>

#include "aws/sigv4.h"

namespace ebbflow::aws {
namespace {

constexpr int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z

const Credentials kCreds{"AKIDLOCAL", "local-secret/with+chars", ""};

std::optional<std::string> secrets(const std::string& akid) {
  if (akid == kCreds.access_key_id) return kCreds.secret_access_key;
  return std::nullopt;
}

SignableRequest signed_request(const std::string& service = "ec2", int64_t at = kNow,
                               const Credentials& creds = kCreds) {
  SignableRequest req{"POST", "/", "", {{"Host", "127.0.0.1:4566"},
                                        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                      "Action=DescribeInstances&Version=2016-11-15"};
  sign(req, creds, {"eu-west-1", service}, amz_date(at));
  return req;
}

void set_header(SignableRequest& req, const std::string& name, const std::string& value) {
  for (auto& [n, v] : req.headers)
    if (n == name) v = value;
}

TEST(SigV4Verify, AcceptsGoodSignatureAndReturnsScope) {
  auto r = verify(signed_request(), secrets, kNow);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->access_key_id, "AKIDLOCAL");
  EXPECT_EQ(r->scope.region, "eu-west-1");
  EXPECT_EQ(r->scope.service, "ec2");
}

TEST(SigV4Verify, AcceptsWithinSkewAndWithSessionToken) {
  Credentials temp = kCreds;
  temp.session_token = "FwoGZXIvYXdzEXAMPLE";
  auto r = verify(signed_request("sqs", kNow - 299, temp), secrets, kNow);
  EXPECT_TRUE(r.ok()) << r.error().describe();
}

TEST(SigV4Verify, RejectsTamperedBody) {
  auto req = signed_request();
  req.body += "&InstanceId.1=i-0123";
  auto r = verify(req, secrets, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(r.error().kind, ErrorKind::kGiveUp);
}

TEST(SigV4Verify, RejectsTamperedSignedHeaderAndQuery) {
  auto req = signed_request();
  set_header(req, "Content-Type", "text/plain");
  EXPECT_EQ(verify(req, secrets, kNow).error().code, "SignatureDoesNotMatch");
  req = signed_request();
  req.query = "x=1";
  EXPECT_EQ(verify(req, secrets, kNow).error().code, "SignatureDoesNotMatch");
}

TEST(SigV4Verify, RejectsWrongSecret) {
  Credentials wrong = kCreds;
  wrong.secret_access_key = "not-the-secret";
  auto r = verify(signed_request("ec2", kNow, wrong), secrets, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "SignatureDoesNotMatch");
}

TEST(SigV4Verify, RejectsUnknownKeyWithServiceSpecificCode) {
  Credentials other{"AKIDOTHER", "x", ""};
  EXPECT_EQ(verify(signed_request("ec2", kNow, other), secrets, kNow).error().code, "AuthFailure");
  EXPECT_EQ(verify(signed_request("sqs", kNow, other), secrets, kNow).error().code, "InvalidClientTokenId");
}

TEST(SigV4Verify, RejectsStaleAndFutureDates) {
  auto stale = verify(signed_request("ec2", kNow - 301), secrets, kNow);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, "RequestExpired");
  EXPECT_EQ(stale.error().kind, ErrorKind::kGiveUp);
  EXPECT_EQ(verify(signed_request("ec2", kNow + 301), secrets, kNow).error().code, "RequestExpired");
  EXPECT_TRUE(verify(signed_request("ec2", kNow - 1000), secrets, kNow, 3600).ok());
}

TEST(SigV4Verify, RejectsMissingOrMalformedAuthorization) {
  auto req = signed_request();
  std::erase_if(req.headers, [](const auto& h) { return h.first == "Authorization"; });
  EXPECT_EQ(verify(req, secrets, kNow).error().code, "MissingAuthenticationToken");

  req = signed_request();
  set_header(req, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20231114/eu-west-1/ec2/aws4_request");
  EXPECT_EQ(verify(req, secrets, kNow).error().code, "IncompleteSignature");

  req = signed_request();
  set_header(req, "Authorization", "AWS AKIDLOCAL:abc");
  EXPECT_EQ(verify(req, secrets, kNow).error().code, "IncompleteSignature");

  req = signed_request();
  std::erase_if(req.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  EXPECT_EQ(verify(req, secrets, kNow).error().code, "IncompleteSignature");
}

TEST(SigV4Verify, RejectsSignatureThatOmitsHost) {
  auto req = signed_request();
  for (auto& [n, v] : req.headers)
    if (n == "Authorization") {
      size_t s = v.find("SignedHeaders=") + 14;
      v.replace(s, v.find(',', s) - s, "content-type;x-amz-date");
    }
  EXPECT_EQ(verify(req, secrets, kNow).error().code, "SignatureDoesNotMatch");
}

TEST(SigV4Verify, HeaderNameCaseAndOrderDoNotMatter) {
  auto req = signed_request();
  for (auto& [n, v] : req.headers)
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::reverse(req.headers.begin(), req.headers.end());
  EXPECT_TRUE(verify(req, secrets, kNow).ok());
}

}  // namespace
}  // namespace ebbflow::aws
