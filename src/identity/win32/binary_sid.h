// binary_sid.h: a Sid in MS-DTYP 2.4.2.2 binary form, and back.
//
// Layout: Revision (1, always 1), SubAuthorityCount (1, at most 15), IdentifierAuthority (6 bytes,
// big-endian), SubAuthority[count] (4 bytes each, little-endian): 8 + 4 × count bytes. Decoding reads
// only inside the bytes it is given and rejects anything else. Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "identity/sid.h"

namespace guise::identity::win32 {

inline constexpr std::size_t kSidHeaderSize = 8;
inline constexpr std::size_t kMaxSidSize = kSidHeaderSize + 4 * Sid::kMaxSubAuthorities;  // 68

constexpr std::size_t sid_size_for(std::size_t sub_authority_count) noexcept {
  return kSidHeaderSize + 4 * sub_authority_count;
}
inline std::size_t encoded_size(const Sid& sid) noexcept { return sid_size_for(sid.sub_authority_count()); }

// Writes encoded_size(sid) bytes at `out`.
void encode_sid(const Sid& sid, std::uint8_t* out) noexcept;
std::vector<std::uint8_t> encode_sid(const Sid& sid);

// The SID at the start of `bytes` (trailing bytes are ignored). kInvalidInput with
// ERROR_INVALID_SID when it does not fit, has another revision or more than 15 sub-authorities.
Result<Sid> decode_sid(std::span<const std::uint8_t> bytes);

// The size the SID at `bytes` declares (from its header), or 0 when the header does not fit or is
// not a valid SID header. Lets a reader take exactly the SID's bytes from a larger buffer.
std::size_t declared_sid_size(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace guise::identity::win32
