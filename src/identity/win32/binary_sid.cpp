#include "identity/win32/binary_sid.h"

#include <array>

#include "guise/winerror.h"
#include "identity/win32/bytes.h"

namespace guise::identity::win32 {

void encode_sid(const Sid& sid, std::uint8_t* out) noexcept {
  out[0] = 1;  // SID_REVISION
  out[1] = static_cast<std::uint8_t>(sid.sub_authority_count());
  const std::uint64_t authority = sid.authority();
  for (int i = 0; i < 6; ++i) out[2 + i] = static_cast<std::uint8_t>(authority >> (8 * (5 - i)));
  for (std::size_t i = 0; i < sid.sub_authority_count(); ++i) store_u32(out + 8 + 4 * i, sid.sub_authority(i));
}

std::vector<std::uint8_t> encode_sid(const Sid& sid) {
  std::vector<std::uint8_t> bytes(encoded_size(sid));
  encode_sid(sid, bytes.data());
  return bytes;
}

std::size_t declared_sid_size(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < kSidHeaderSize || bytes[0] != 1 || bytes[1] > Sid::kMaxSubAuthorities) return 0;
  return sid_size_for(bytes[1]);
}

Result<Sid> decode_sid(std::span<const std::uint8_t> bytes) {
  const std::size_t size = declared_sid_size(bytes);
  if (size == 0) return win32_error(ERROR_INVALID_SID, "SID header is malformed or truncated");
  if (bytes.size() < size) return win32_error(ERROR_INVALID_SID, "SID runs past the end of its buffer");
  std::uint64_t authority = 0;
  for (int i = 0; i < 6; ++i) authority = (authority << 8) | bytes[2 + i];
  std::array<std::uint32_t, Sid::kMaxSubAuthorities> subs{};
  const std::size_t count = bytes[1];
  for (std::size_t i = 0; i < count; ++i) subs[i] = load_u32(bytes.data() + 8 + 4 * i);
  return Sid(authority, std::span<const std::uint32_t>(subs.data(), count));
}

}  // namespace guise::identity::win32
