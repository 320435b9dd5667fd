// Helpers shared by the libFuzzer targets in this folder.
//
// A fuzz target fails by aborting: FUZZ_CHECK prints the broken property and calls abort(), which
// libFuzzer reports as a crash and saves the input as a reproducer. `check_error` is the property
// every parser shares: a failure always says what went wrong (a code and a message), so a caller
// never gets "not ok" with nothing to log.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "util/result.h"

#define FUZZ_CHECK(cond, what)                                                              \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__,     \
                   #cond, std::string(what).c_str());                                       \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace ebbflow::fuzz {

inline void check_error(const Error& e, const char* parser) {
  FUZZ_CHECK(!e.code.empty(), std::string(parser) + ": error without a code: " + e.message);
  FUZZ_CHECK(!e.message.empty(), std::string(parser) + ": error without a message, code " + e.code);
}

// For the services' error-reply parsers: the message is more than blanks too, so a logged error
// never reads "Code: " (docs/reliability.md, Fuzzing, finding 9).
inline void check_error_reply(const Error& e, const char* parser) {
  check_error(e, parser);
  FUZZ_CHECK(e.message.find_first_not_of(" \t\r\n") != std::string::npos,
             std::string(parser) + ": blank message, code " + e.code);
}

template <class T>
void check_result(const Result<T>& r, const char* parser) {
  if (!r.ok()) check_error(r.error(), parser);
}

}  // namespace ebbflow::fuzz
