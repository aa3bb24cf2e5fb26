// libFuzzer: decode arbitrary bytes as an OBJREF (with its DUALSTRINGARRAY), the way COM unmarshals
// an MInterfacePointer blob from a peer. Whatever decodes must re-encode to the same bytes (the
// layout has no slack), and its bindings must map to string bindings without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "com/dual_string_array.h"
#include "com/objref.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  guise::com::ComLimits limits;
  auto decoded = guise::com::decode_objref(bytes, limits);
  if (!decoded.ok()) return 0;
  for (const auto& entry : decoded->resolver.strings) (void)guise::com::to_binding(entry, "fuzzhost");
  // Re-encoding is canonical; the input may differ only in padding after nullterm1 and in the
  // security bindings' reserved unit, so compare what the decoder understood instead.
  auto again = guise::com::decode_objref(guise::com::encode_objref(*decoded), limits);
  if (!again.ok() || !(*again == *decoded)) std::abort();
  return 0;
}
