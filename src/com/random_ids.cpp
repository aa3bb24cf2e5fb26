#include "com/random_ids.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "base/assert.h"

namespace guise::com {
namespace {

void fill_random(void* out, std::size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const ssize_t got = ::getrandom(p, n, 0);
    if (got < 0) {
      GUISE_ASSERT(errno == EINTR, "getrandom failed: ", std::strerror(errno));
      continue;
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
}

GUID as_version4(std::uint64_t hi, std::uint64_t lo) noexcept {
  GUID g{};
  g.Data1 = static_cast<ULONG>(hi >> 32);
  g.Data2 = static_cast<USHORT>(hi >> 16);
  g.Data3 = static_cast<USHORT>((hi & 0x0FFF) | 0x4000);
  for (int i = 0; i < 8; ++i) g.Data4[i] = static_cast<UCHAR>(lo >> (56 - 8 * i));
  g.Data4[0] = static_cast<UCHAR>((g.Data4[0] & 0x3F) | 0x80);
  return g;
}

// splitmix64: fast, well mixed; seeded from getrandom per thread.
std::uint64_t next_fast() noexcept {
  thread_local std::uint64_t state = [] {
    std::uint64_t seed = 0;
    fill_random(&seed, sizeof seed);
    return seed;
  }();
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t random_id64() {
  for (;;) {
    std::uint64_t v = 0;
    fill_random(&v, sizeof v);
    if (v != 0) return v;
  }
}

GUID random_guid() {
  std::uint64_t words[2];
  fill_random(words, sizeof words);
  return as_version4(words[0], words[1]);
}

GUID fast_random_guid() noexcept { return as_version4(next_fast(), next_fast()); }

}  // namespace guise::com
