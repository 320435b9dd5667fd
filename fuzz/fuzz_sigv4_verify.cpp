// Fuzzes SigV4 verification (aws::verify), the local cloud's authentication gate.
//
// Two halves per input, both built with FuzzedDataProvider:
//  1. A request taken from the fuzz bytes as received (method, path, query, headers including
//     Authorization and X-Amz-Date, body) is verified: it must be rejected with kGiveUp and one
//     of the documented AWS codes (accepting it would mean a forged HMAC).
//  2. A request with fuzzed path, query, headers (token names), body, scope and date is signed
//     with aws::sign and must verify at its own time, with the signer's key and scope; the same
//     request with one more body byte, or checked 301 s later, must be rejected with
//     SignatureDoesNotMatch / RequestExpired.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "aws/sigv4.h"
#include "fuzz_check.h"

using namespace ebbflow;

namespace {

const char kKey[] = "AKIDFUZZEXAMPLE";
const char kSecret[] = "fuzz/secret+key";

std::optional<std::string> secret_for(const std::string& key) {
  if (key == kKey) return std::string(kSecret);
  return std::nullopt;
}

// An HTTP token (header names, region, service): what a real client can send.
std::string token(FuzzedDataProvider& in, size_t max_len) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
  size_t n = in.ConsumeIntegralInRange<size_t>(1, max_len);
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kChars[in.ConsumeIntegralInRange<size_t>(0, sizeof kChars - 2)]);
  return out;
}

void check_rejection(const Result<aws::VerifiedCaller>& r, const char* what) {
  static const std::set<std::string> kCodes = {"MissingAuthenticationToken", "IncompleteSignature",
                                               "InvalidClientTokenId",       "AuthFailure",
                                               "SignatureDoesNotMatch",      "RequestExpired"};
  FUZZ_CHECK(!r.ok(), std::string(what) + ": accepted");
  fuzz::check_error(r.error(), "verify");
  FUZZ_CHECK(r.error().kind == ErrorKind::kGiveUp && kCodes.count(r.error().code),
             std::string(what) + ": unexpected error " + r.error().describe());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const int64_t now = in.ConsumeIntegralInRange<int64_t>(0, 253402300799 - 400);  // up to 9999-12-31

  // 1. As received.
  aws::SignableRequest raw;
  raw.method = in.ConsumeRandomLengthString(8);
  raw.path = in.ConsumeRandomLengthString(64);
  raw.query = in.ConsumeRandomLengthString(128);
  int raw_headers = in.ConsumeIntegralInRange(0, 6);
  for (int i = 0; i < raw_headers; ++i) {
    std::string name = in.ConsumeRandomLengthString(24);
    raw.headers.emplace_back(name, in.ConsumeRandomLengthString(256));
  }
  raw.body = in.ConsumeRandomLengthString(128);
  auto r = aws::verify(raw, secret_for, now);
  if (r.ok()) {
    // Only possible if the bytes carry a correct HMAC for kSecret, which a fuzzer cannot find.
    FUZZ_CHECK(false, "verify accepted a request nobody signed");
  }
  check_rejection(r, "unsigned request");

  // 2. Signed, then verified.
  aws::SignableRequest req;
  req.method = in.ConsumeBool() ? "POST" : "GET";
  req.path = in.ConsumeRandomLengthString(64);
  req.query = in.ConsumeRandomLengthString(128);
  req.headers.emplace_back("Host", "127.0.0.1:" + std::to_string(in.ConsumeIntegral<uint16_t>()));
  int headers = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < headers; ++i) {
    std::string name = token(in, 20);
    req.headers.emplace_back(name, in.ConsumeRandomLengthString(64));
  }
  aws::SigningScope scope{token(in, 16), token(in, 12)};
  aws::Credentials creds{kKey, kSecret, in.ConsumeBool() ? in.ConsumeRandomLengthString(32) : ""};
  const int64_t signed_at = now + in.ConsumeIntegralInRange<int64_t>(-300, 300);
  req.body = in.ConsumeRemainingBytesAsString();
  aws::sign(req, creds, scope, aws::amz_date(signed_at), in.ConsumeBool());

  auto ok = aws::verify(req, secret_for, now);
  FUZZ_CHECK(ok.ok(), "a request signed by aws::sign does not verify: " + (ok.ok() ? "" : ok.error().describe()));
  FUZZ_CHECK(ok->access_key_id == kKey && ok->scope.region == scope.region && ok->scope.service == scope.service,
             "verified caller differs from the signer");

  aws::SignableRequest tampered = req;
  tampered.body.push_back('x');
  auto bad = aws::verify(tampered, secret_for, now);
  check_rejection(bad, "tampered body");
  FUZZ_CHECK(bad.error().code == "SignatureDoesNotMatch", "tampered body: " + bad.error().describe());

  auto late = aws::verify(req, secret_for, signed_at + 301);
  check_rejection(late, "expired request");
  FUZZ_CHECK(late.error().code == "RequestExpired", "expired request: " + late.error().describe());
  return 0;
}
