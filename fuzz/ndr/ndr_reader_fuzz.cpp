// libFuzzer target: the hand-written NDR decoders (strings, BSTR, interface blobs, conformance and
// variance) over arbitrary bytes, in both byte orders. The first byte picks the decoder and order.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "guise/oleauto.h"
#include "ndr/bstr.h"
#include "ndr/decoded_memory.h"
#include "ndr/interface_pointer.h"
#include "ndr/strings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace guise::ndr;
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const auto body = std::as_bytes(std::span(data + 1, size - 1));
  Limits limits;
  limits.max_allocation = 1u << 20;
  Reader r(body, limits, (selector & 0x80) != 0 ? ByteOrder::kBigEndian : ByteOrder::kLittleEndian);
  switch (selector & 0x07) {
    case 0: {
      char16_t* s = nullptr;
      if (get_string(r, s).ok()) free_block(s);
      break;
    }
    case 1: {
      char* s = nullptr;
      if (get_string(r, s).ok()) free_block(s);
      break;
    }
    case 2: {
      BSTR b = nullptr;
      if (get_bstr_flat(r, b).ok() && get_bstr_deferred(r, b).ok()) free_bstr(b);
      break;
    }
    case 3: {
      std::vector<std::byte> blob;
      static_cast<void>(get_interface_blob(r, blob));
      break;
    }
    default: {
      std::uint32_t max = 0, offset = 0, actual = 0;
      if (r.read_conformance(max, selector & 0x18) .ok()) static_cast<void>(r.read_variance(max, 2, offset, actual));
      break;
    }
  }
  return 0;
}
