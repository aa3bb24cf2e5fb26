#include "ndr/reader.h"

#include <bit>

namespace guise::ndr {

Status Reader::fail(DecodeError error) {
  if (!error_) error_ = error;
  return decode_error_status(error, pos_);
}

Status Reader::align(std::size_t n) {
  GUISE_ASSERT(n == 1 || n == 2 || n == 4 || n == 8, "bad NDR alignment ", n);
  const std::size_t gap = (n - (pos_ & (n - 1))) & (n - 1);
  if (gap > remaining()) return fail(DecodeError::kTruncated);
  pos_ += gap;  // pad content is unspecified: never examined
  return Status::Ok();
}

Status Reader::read_u8(std::uint8_t& out) { return read_integer(out); }
Status Reader::read_u16(std::uint16_t& out) { return read_integer(out); }
Status Reader::read_u32(std::uint32_t& out) { return read_integer(out); }
Status Reader::read_u64(std::uint64_t& out) { return read_integer(out); }

Status Reader::read_f32(float& out) {
  std::uint32_t bits = 0;
  GUISE_RETURN_IF_ERROR(read_u32(bits));
  out = std::bit_cast<float>(bits);
  return Status::Ok();
}

Status Reader::read_f64(double& out) {
  std::uint64_t bits = 0;
  GUISE_RETURN_IF_ERROR(read_u64(bits));
  out = std::bit_cast<double>(bits);
  return Status::Ok();
}

Status Reader::read_guid(GUID& out) {
  // A GUID is a structure {u32, u16, u16, byte[8]}: aligned to 4 (C706 Appendix A / MS-DTYP §2.3.4.2).
  GUISE_RETURN_IF_ERROR(align(4));
  if (16 > remaining()) return fail(DecodeError::kTruncated);
  GUISE_RETURN_IF_ERROR(read_u32(out.Data1));
  GUISE_RETURN_IF_ERROR(read_u16(out.Data2));
  GUISE_RETURN_IF_ERROR(read_u16(out.Data3));
  std::memcpy(out.Data4, data_.data() + pos_, 8);
  pos_ += 8;
  return Status::Ok();
}

Status Reader::read_bytes(std::span<std::byte> out) {
  if (out.size() > remaining()) return fail(DecodeError::kTruncated);
  if (!out.empty()) std::memcpy(out.data(), data_.data() + pos_, out.size());
  pos_ += out.size();
  return Status::Ok();
}

Status Reader::require_array(std::uint64_t count, std::size_t wire_size) {
  if (count > limits_.max_elements) return fail(DecodeError::kCountTooLarge);
  // count <= 2^32 and wire_size is a small type size, so this cannot overflow 64 bits; still checked.
  std::uint64_t total = 0;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(wire_size), &total)) {
    return fail(DecodeError::kCountTooLarge);
  }
  if (total > remaining()) return fail(DecodeError::kCountTooLarge);
  return Status::Ok();
}

Status Reader::read_conformance(std::uint32_t& max_count, std::size_t wire_size) {
  GUISE_RETURN_IF_ERROR(align(4));
  GUISE_RETURN_IF_ERROR(read_u32(max_count));
  return require_array(max_count, wire_size);
}

Status Reader::read_variance(std::uint32_t max_count, std::size_t wire_size, std::uint32_t& offset,
                             std::uint32_t& actual_count) {
  GUISE_RETURN_IF_ERROR(align(4));
  GUISE_RETURN_IF_ERROR(read_u32(offset));
  GUISE_RETURN_IF_ERROR(read_u32(actual_count));
  if (offset > max_count || actual_count > max_count - offset) {
    return fail(DecodeError::kVaryingOutOfBounds);
  }
  return require_array(actual_count, wire_size);
}

Status Reader::enter() {
  if (depth_ >= limits_.max_depth) return fail(DecodeError::kTooDeep);
  ++depth_;
  return Status::Ok();
}

Status Reader::charge_allocation(std::size_t bytes) {
  if (bytes > limits_.max_allocation - allocated_) return fail(DecodeError::kAllocationLimit);
  allocated_ += bytes;
  return Status::Ok();
}

void* Reader::full_pointer_lookup(std::uint32_t referent_id) const {
  auto it = full_pointers_.find(referent_id);
  return it == full_pointers_.end() ? nullptr : it->second;
}

void Reader::full_pointer_define(std::uint32_t referent_id, void* value) {
  full_pointers_.emplace(referent_id, value);
}

void Reader::note_full_pointer_slot(const void* slot, std::uint32_t referent_id) {
  full_pointer_slots_[slot] = referent_id;
}

std::uint32_t Reader::take_full_pointer_slot(const void* slot) {
  auto it = full_pointer_slots_.find(slot);
  if (it == full_pointer_slots_.end()) return 0;
  const std::uint32_t id = it->second;
  full_pointer_slots_.erase(it);
  return id;
}

Status Reader::expect_end() {
  if (remaining() != 0) return fail(DecodeError::kTrailingBytes);
  return Status::Ok();
}

}  // namespace guise::ndr
