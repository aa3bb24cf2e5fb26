#include "ndr/writer.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "base/assert.h"

namespace guise::ndr {

void Writer::align(std::size_t n) {
  GUISE_ASSERT(n == 1 || n == 2 || n == 4 || n == 8, "bad NDR alignment ", n);
  const std::size_t gap = (n - (size_ & (n - 1))) & (n - 1);
  if (gap != 0) std::memset(claim(gap), static_cast<int>(pad_), gap);
}

void Writer::write_f32(float v) { write_u32(std::bit_cast<std::uint32_t>(v)); }
void Writer::write_f64(double v) { write_u64(std::bit_cast<std::uint64_t>(v)); }

void Writer::write_guid(const GUID& g) {
  align(4);
  write_u32(g.Data1);
  write_u16(g.Data2);
  write_u16(g.Data3);
  write_bytes(std::as_bytes(std::span(g.Data4)));
}

void Writer::write_bytes(std::span<const std::byte> data) {
  if (!data.empty()) std::memcpy(claim(data.size()), data.data(), data.size());
}

void Writer::grow(std::size_t n) {
  GUISE_ASSERT(n <= SIZE_MAX / 2 - size_, "NDR body too large");
  buf_.resize(std::max(buf_.size() * 2, std::max<std::size_t>(size_ + n, 256)));
}

void Writer::write_conformance(std::uint32_t max_count) {
  align(4);
  write_u32(max_count);
}

void Writer::write_variance(std::uint32_t offset, std::uint32_t actual_count) {
  align(4);
  write_u32(offset);
  write_u32(actual_count);
}

std::pair<std::uint32_t, bool> Writer::full_pointer_id(const void* p) {
  auto [it, inserted] = full_pointers_.emplace(p, 0);
  if (inserted) it->second = next_referent_id();
  return {it->second, inserted};
}

}  // namespace guise::ndr
