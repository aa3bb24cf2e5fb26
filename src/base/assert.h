// assert.h: GUISE_ASSERT, for guise's own invariants.
//
// GUISE_ASSERT(cond, parts...) aborts with the file, line, condition and the streamed parts when cond
// is false, in every build type. Use it for *our* invariants only; bad bytes from a peer are a
// kInvalidInput Status, never an assert. GUISE_FATAL aborts unconditionally.
#pragma once

#include <sstream>
#include <string>

namespace guise::detail {
[[noreturn]] void assertion_failed(const char* file, int line, const char* condition,
                                   const std::string& message) noexcept;

template <class... Parts>
std::string join_parts(const Parts&... parts) {
  if constexpr (sizeof...(parts) == 0) {
    return {};
  } else {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
  }
}
}  // namespace guise::detail

#define GUISE_ASSERT(cond, ...)                                                                 \
  do {                                                                                          \
    if (!(cond)) [[unlikely]] {                                                                 \
      ::guise::detail::assertion_failed(__FILE__, __LINE__, #cond,                              \
                                        ::guise::detail::join_parts(__VA_ARGS__));              \
    }                                                                                           \
  } while (false)

#define GUISE_FATAL(...) \
  ::guise::detail::assertion_failed(__FILE__, __LINE__, "fatal", ::guise::detail::join_parts(__VA_ARGS__))
