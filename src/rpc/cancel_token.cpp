// cancel_token.cpp: an eventfd that wakes a waiting call.
#include "rpc/cancel_token.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "base/assert.h"

namespace guise::rpc {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  GUISE_ASSERT(fd_.valid(), "eventfd failed");
}

void CancelToken::cancel() noexcept {
  std::uint64_t one = 1;
  (void)!::write(fd_.get(), &one, sizeof one);
}

void CancelToken::reset() noexcept {
  std::uint64_t value = 0;
  (void)!::read(fd_.get(), &value, sizeof value);
}

bool CancelToken::cancelled() const noexcept {
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

}  // namespace guise::rpc
