// eventfd.h: a non-blocking, close-on-exec eventfd, or the Status CreateEventW would report for the
// failure (HRESULT_FROM_WIN32 of its Win32 error): what every descriptor-backed wake in guise starts from.
#pragma once

#include "base/status.h"
#include "base/unique_fd.h"

namespace guise {

// Errors: kResourceExhausted when no descriptor or memory is left (RLIMIT_NOFILE), kInternal otherwise.
Result<UniqueFd> make_eventfd();

}  // namespace guise
