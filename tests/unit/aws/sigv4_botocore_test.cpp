// Cross-check against botocore: random requests signed by botocore's SigV4Auth (see
// botocore_sign.py) must get the same Authorization header from sign().
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

TEST(SigV4Botocore, RandomRequestsMatchBotocore) {
  const std::string script = testing::source_dir() + "/tests/unit/aws/botocore_sign.py";
  auto out = testing::run_command("python3 '" + script + "' 300 20240229");
  if (out.exit_code == testing::kNoBotocore || out.exit_code == 127)
    GTEST_SKIP() << "python3 with botocore is not available; botocore cross-check skipped";
  ASSERT_EQ(out.exit_code, 0) << "botocore_sign.py failed";
  auto cases = nlohmann::json::parse(out.out);
  ASSERT_EQ(cases.size(), 300u);
  int with_token = 0;
  for (const auto& c : cases) {
    SignableRequest req{c["method"], c["path"], c["query"], {}, c["body"]};
    for (const auto& h : c["headers"]) req.headers.emplace_back(h[0], h[1]);
    Credentials creds{c["access_key"], c["secret"], c["token"]};
    with_token += !creds.session_token.empty();
    sign(req, creds, {c["region"], c["service"]}, c["amz_date"]);
    std::string auth;
    for (const auto& [n, v] : req.headers)
      if (n == "Authorization") auth = v;
    EXPECT_EQ(auth, c["authorization"].get<std::string>())
        << "path=" << req.path << " query=" << req.query << " service=" << c["service"];
  }
  EXPECT_GT(with_token, 0);
  EXPECT_LT(with_token, 300);
}

}  // namespace
}  // namespace ebbflow::aws
