// status.h: the one typed status used inside guise, and Result<T> = a value or a Status.
//
// A Status is a code from a small closed set, each telling the caller what to do, plus an optional
// exact wire value (an HRESULT the spec prescribes) and a message for logs. OK statuses carry no
// message and allocate nothing. HRESULTs appear only at the COM surface; base/hresult_map.h
// translates. Values: copy freely; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.h"
#include "guise/wtypes.h"

namespace guise {

enum class StatusCode : std::uint8_t {
  kOk = 0,
  // The peer (or the caller of a public function) supplied bad input: drop that call or association.
  kInvalidInput,
  // The caller is not allowed to do this; do not retry with the same identity.
  kAccessDenied,
  // The peer or resource is gone or not ready; a retry (new connection) may work.
  kUnavailable,
  // A limit was hit (memory, connections, outstanding calls); back off.
  kResourceExhausted,
  // The request names something that does not exist (interface, object, user).
  kNotFound,
  // The operation is valid but not in the current state (e.g. revert when not impersonating).
  kFailedPrecondition,
  // Valid but not supported by guise (yet).
  kUnimplemented,
  // The operation was cancelled by request.
  kCancelled,
  // A deadline passed before the operation completed.
  kDeadlineExceeded,
  // Our own bug or an impossible system state.
  kInternal,
};

std::string_view status_code_name(StatusCode code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string message, std::optional<HRESULT> hresult = std::nullopt)
      : code_(code), hresult_(hresult), message_(std::move(message)) {}

  static Status Ok() noexcept { return Status(); }

  bool ok() const noexcept { return code_ == StatusCode::kOk; }
  StatusCode code() const noexcept { return code_; }
  // The exact HRESULT the spec prescribes for this failure, when there is one.
  std::optional<HRESULT> hresult() const noexcept { return hresult_; }
  const std::string& message() const noexcept { return message_; }
  // "kAccessDenied: <message>" (for logs and test output).
  std::string to_string() const;

  friend bool operator==(const Status& a, const Status& b) noexcept {
    return a.code_ == b.code_ && a.hresult_ == b.hresult_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::optional<HRESULT> hresult_;
  std::string message_;
};

inline Status invalid_input(std::string m) { return {StatusCode::kInvalidInput, std::move(m)}; }
inline Status access_denied(std::string m) { return {StatusCode::kAccessDenied, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Result<T>: either a T or a non-OK Status. Constructing from an OK Status is a bug (asserts).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, so `return value;` works
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit, so `return status;` works
    GUISE_ASSERT(!status_.ok(), "Result<T> built from an OK status carries no value");
  }

  bool ok() const noexcept { return value_.has_value(); }
  const Status& status() const& noexcept { return status_; }
  Status status() && noexcept { return std::move(status_); }

  T& value() & {
    GUISE_ASSERT(ok(), "value() of a failed Result: ", status_.to_string());
    return *value_;
  }
  const T& value() const& {
    GUISE_ASSERT(ok(), "value() of a failed Result: ", status_.to_string());
    return *value_;
  }
  T&& value() && {
    GUISE_ASSERT(ok(), "value() of a failed Result: ", status_.to_string());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace guise

#define GUISE_STATUS_CONCAT_INNER(a, b) a##b
#define GUISE_STATUS_CONCAT(a, b) GUISE_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define GUISE_RETURN_IF_ERROR(expr)                   \
  do {                                                \
    ::guise::Status guise_status_tmp_ = (expr);       \
    if (!guise_status_tmp_.ok()) return guise_status_tmp_; \
  } while (false)

// GUISE_TRY(auto x, f()): declares x from f()'s value, or returns f()'s Status.
#define GUISE_TRY(decl, expr) GUISE_TRY_IMPL(GUISE_STATUS_CONCAT(guise_try_, __LINE__), decl, expr)
#define GUISE_TRY_IMPL(tmp, decl, expr)        \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return std::move(tmp).status(); \
  decl = std::move(tmp).value()
