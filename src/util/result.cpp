#include "util/result.h"

namespace ebbflow {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidInput: return "invalid-input";
    case ErrorKind::kNotFound: return "not-found";
    case ErrorKind::kRetry: return "retry";
    case ErrorKind::kBackOff: return "back-off";
    case ErrorKind::kGiveUp: return "give-up";
    case ErrorKind::kUnavailable: return "unavailable";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  if (code.empty()) return message;
  return code + ": " + message;
}

}  // namespace ebbflow
