// libFuzzer: decode arbitrary bytes as ORPCTHIS and as ORPCTHAT, the first bytes of every ORPC
// request and response a peer sends, then re-encode what decoded and decode it again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "com/orpc_headers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  guise::com::ComLimits limits;
  guise::ndr::Limits ndr_limits;
  ndr_limits.max_allocation = 1u << 20;
  {
    guise::ndr::Reader r(bytes, ndr_limits);
    guise::com::OrpcThis header;
    if (guise::com::get_orpcthis(r, header, limits).ok()) {
      guise::ndr::Writer w;
      guise::com::put_orpcthis(w, header);
      guise::ndr::Reader again(w.bytes(), ndr_limits);
      guise::com::OrpcThis back;
      if (!guise::com::get_orpcthis(again, back, limits).ok() || back.extensions.size() != header.extensions.size()) {
        std::abort();
      }
    }
  }
  {
    guise::ndr::Reader r(bytes, ndr_limits);
    guise::com::OrpcThat header;
    (void)guise::com::get_orpcthat(r, header, limits);
  }
  return 0;
}
