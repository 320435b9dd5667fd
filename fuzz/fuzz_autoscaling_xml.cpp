// Fuzzes the Auto Scaling Query XML reply parsers (aws::parse_describe_auto_scaling_groups,
// parse_terminate_instance_in_asg, parse_autoscaling_error): every input goes through all three.
//
// Properties: failures are kRetry "MalformedResponse" with a message (a bad reply is retried,
// never read as "no groups"); every group has a name and every instance an id; a terminate
// result has an activity id; the error parser always yields a code and a message that is not
// blank, and retries or backs off a 5xx.
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/autoscaling.h"
#include "fuzz_check.h"

using namespace ebbflow;

namespace {

template <class T>
void check_failure(const Result<T>& r, const char* parser) {
  if (r.ok()) return;
  fuzz::check_error(r.error(), parser);
  FUZZ_CHECK(r.error().kind == ErrorKind::kRetry && r.error().code == "MalformedResponse",
             std::string(parser) + ": unexpected error " + r.error().describe());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);

  std::string next_token;
  auto groups = aws::parse_describe_auto_scaling_groups(body, &next_token);
  check_failure(groups, "parse_describe_auto_scaling_groups");
  if (groups.ok())
    for (const auto& g : *groups) {
      FUZZ_CHECK(!g.name.empty(), "group without a name");
      for (const auto& i : g.instances) FUZZ_CHECK(!i.instance_id.empty(), "instance without an id in " + g.name);
    }

  auto terminated = aws::parse_terminate_instance_in_asg(body);
  check_failure(terminated, "parse_terminate_instance_in_asg");
  if (terminated.ok()) FUZZ_CHECK(!terminated->activity_id.empty(), "terminate result without an activity id");

  int http_status = size > 0 ? 400 + data[0] % 200 : 400;
  Error e = aws::parse_autoscaling_error(http_status, body);
  fuzz::check_error_reply(e, "parse_autoscaling_error");
  if (http_status >= 500) FUZZ_CHECK(e.kind == ErrorKind::kRetry || e.kind == ErrorKind::kBackOff, "5xx not retried");
  return 0;
}
