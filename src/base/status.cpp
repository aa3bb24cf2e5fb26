#include "base/status.h"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>

#include "base/hresult_map.h"

namespace guise {

std::string_view status_code_name(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::kOk: return "kOk";
    case StatusCode::kInvalidInput: return "kInvalidInput";
    case StatusCode::kAccessDenied: return "kAccessDenied";
    case StatusCode::kUnavailable: return "kUnavailable";
    case StatusCode::kResourceExhausted: return "kResourceExhausted";
    case StatusCode::kNotFound: return "kNotFound";
    case StatusCode::kFailedPrecondition: return "kFailedPrecondition";
    case StatusCode::kUnimplemented: return "kUnimplemented";
    case StatusCode::kCancelled: return "kCancelled";
    case StatusCode::kDeadlineExceeded: return "kDeadlineExceeded";
    case StatusCode::kInternal: return "kInternal";
  }
  return "kUnknownStatusCode";
}

std::string Status::to_string() const {
  if (ok()) return "kOk";
  std::string text = fmt::format("{}: {}", status_code_name(code_), message_);
  if (hresult_) text += fmt::format(" ({})", hresult_name(*hresult_));
  return text;
}

namespace detail {
void assertion_failed(const char* file, int line, const char* condition,
                      const std::string& message) noexcept {
  std::fprintf(stderr, "guise: FATAL %s:%d: check failed: %s%s%s\n", file, line, condition,
               message.empty() ? "" : ": ", message.c_str());
  std::fflush(stderr);
  std::abort();
}
}  // namespace detail

}  // namespace guise
