// libFuzzer: arbitrary 16-bit unit arrays as a DUALSTRINGARRAY in its NDR form (what ResolveOxid2 and
// ServerAlive2 replies and RemoteActivation carry): the first two bytes give wSecurityOffset. What
// decodes must map to string bindings without crashing and re-encode to something that decodes the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "com/dual_string_array.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::uint16_t security_offset = 0;
  std::memcpy(&security_offset, data, 2);
  std::vector<std::uint16_t> words((size - 2) / 2);
  if (!words.empty()) std::memcpy(words.data(), data + 2, words.size() * 2);
  guise::com::ComLimits limits;
  auto decoded = guise::com::decode_words(words, security_offset, limits);
  if (!decoded.ok()) return 0;
  for (const auto& entry : decoded->strings) (void)guise::com::to_binding(entry, "fuzzhost");
  const auto encoded = guise::com::encode_words(*decoded);
  auto again = guise::com::decode_words(encoded.words, encoded.security_offset, limits);
  if (!again.ok() || !(*again == *decoded)) std::abort();
  return 0;
}
