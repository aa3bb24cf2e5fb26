// random_guid.cpp: version-4 GUIDs from getrandom.
#include "base/random_guid.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "base/assert.h"

namespace guise {

GUID random_guid() {
  unsigned char bytes[16];
  std::size_t filled = 0;
  while (filled < sizeof bytes) {
    // Up to 256 bytes never return short or block once the pool is initialised; retry EINTR anyway.
    const ssize_t n = ::getrandom(bytes + filled, sizeof bytes - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    GUISE_ASSERT(n > 0, "getrandom: ", std::strerror(errno));
    filled += static_cast<std::size_t>(n);
  }
  GUID g;
  std::memcpy(&g, bytes, sizeof g);
  g.Data3 = static_cast<USHORT>((g.Data3 & 0x0FFFu) | 0x4000u);       // version 4
  g.Data4[0] = static_cast<UCHAR>((g.Data4[0] & 0x3Fu) | 0x80u);      // variant 10xx (RFC 4122)
  return g;
}

}  // namespace guise
