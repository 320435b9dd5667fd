// Fuzzes the AWS JSON-protocol error parser (aws::parse_json_error), used for SQS and DynamoDB.
//
// The first two bytes pick the HTTP status (400-599) and whether an x-amzn-query-error header is
// present (its value is the next line); the rest is the body. Properties: the error always has a
// code and a message that is not blank, the code never contains '#' (the namespace is stripped),
// and a 5xx is always retried or backed off.
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/http.h"
#include "aws/json_protocol.h"
#include "fuzz_check.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  aws::HttpResponse resp;
  resp.status = 400 + data[0] % 200;
  std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
  if (data[1] & 1) {
    size_t nl = rest.find('\n');
    resp.headers.emplace_back("x-amzn-query-error", rest.substr(0, nl));
    rest = nl == std::string::npos ? "" : rest.substr(nl + 1);
  }
  resp.body = std::move(rest);
  Error e = aws::parse_json_error(resp);
  fuzz::check_error_reply(e, "parse_json_error");
  FUZZ_CHECK(e.code.find('#') == std::string::npos, "code keeps its namespace: " + e.code);
  if (resp.status >= 500)
    FUZZ_CHECK(e.kind == ErrorKind::kRetry || e.kind == ErrorKind::kBackOff, "5xx not retried: " + e.describe());
  return 0;
}
