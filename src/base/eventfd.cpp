// eventfd.cpp: eventfd(2) with its failure as Windows reports CreateEventW's.
#include "base/eventfd.h"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "guise/winerror.h"

namespace guise {

Result<UniqueFd> make_eventfd() {
  UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (fd) return fd;
  const int err = errno;
  const long win32 = err == ENOMEM                       ? ERROR_NOT_ENOUGH_MEMORY
                     : (err == EMFILE || err == ENFILE) ? ERROR_TOO_MANY_OPEN_FILES
                                                        : ERROR_INVALID_FUNCTION;
  const StatusCode code = win32 == ERROR_INVALID_FUNCTION ? StatusCode::kInternal : StatusCode::kResourceExhausted;
  return Status(code, std::string("eventfd: ") + std::strerror(err), HRESULT_FROM_WIN32(win32));
}

}  // namespace guise
