#include "ndr/decoded_memory.h"

namespace guise::ndr::detail {

Status allocate_zeroed(Reader& r, std::uint64_t count, std::size_t size, void*& out) {
  out = nullptr;
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(size), &bytes)) {
    return r.fail(DecodeError::kAllocationLimit);
  }
  GUISE_RETURN_IF_ERROR(r.charge_allocation(static_cast<std::size_t>(bytes)));
  // A zero-length array still gets a block, so "non-null pointer, 0 elements" survives a round trip.
  const std::size_t block = bytes == 0 ? 1 : static_cast<std::size_t>(bytes);
  out = CoTaskMemAlloc(block);
  if (out == nullptr) {
    return Status(StatusCode::kResourceExhausted, "ndr: out of memory decoding stub data",
                  E_OUTOFMEMORY);
  }
  std::memset(out, 0, block);
  return Status::Ok();
}

}  // namespace guise::ndr::detail
