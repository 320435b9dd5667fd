// Error values for every fallible call in ebbflow.
//
// An Error's kind says what the caller should do next (the abseil lesson): retry at once,
// back off and retry later, stop and report, or treat the answer as unknown. `code` keeps the
// precise origin (an EC2 error code such as "InsufficientInstanceCapacity", "ParseError",
// "Timeout", ...), and `message` says what went wrong and where, for a human.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ebbflow {

enum class ErrorKind {
  kInvalidInput,  // the input (config, output, message, argument) is wrong: fix it, do not retry
  kNotFound,      // the thing asked for does not exist
  kRetry,         // transient (5xx, connection reset): the same call may succeed if repeated
  kBackOff,       // throttled or out of capacity: retry later, more slowly
  kGiveUp,        // permanent refusal (auth, permissions, unsupported): a human must act
  kUnavailable,   // the peer could not be reached or timed out: state is unknown, not absent
  kInternal,      // a bug or an impossible state
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;     // machine-readable origin, e.g. "InsufficientInstanceCapacity"
  std::string message;  // human-readable, names what and where

  std::string describe() const;  // "code: message"
};

inline Error make_error(ErrorKind kind, std::string code, std::string message) {
  return Error{kind, std::move(code), std::move(message)};
}

// Result<T>: a value or an Error. Result<void> carries only success or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(implicit)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT(implicit)
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *e_; }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace ebbflow
