// reader.h: the bounded cursor every NDR decoder reads through.
//
// A Reader walks a span of peer bytes forward only. Every read checks its size against remaining()
// (never by forming a pointer past the end), alignment gaps are skipped like reads and their content
// is never examined (C706 §14.2.2 leaves it unspecified; impacket fills it with 0xAA/0xBB), and a
// count the peer claims is checked with a checked multiply against remaining() before anything is
// allocated. Integers arrive in the byte order of the data representation label and are returned in
// host order. The first failure is remembered (error()) and turns into a Status through
// decode_error_status(): RPC_X_BAD_STUB_DATA. Referents of full pointers are tracked here so a
// repeated referent id resolves to the first decoded value. Not thread-safe; one Reader per message.
// The span must outlive the Reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>

#include "base/status.h"
#include "guise/guiddef.h"
#include "ndr/data_representation.h"
#include "ndr/decode_error.h"
#include "ndr/interface_marshaler.h"
#include "ndr/limits.h"

namespace guise::ndr {

class Reader {
 public:
  explicit Reader(std::span<const std::byte> data, const Limits& limits = {},
                  ByteOrder order = ByteOrder::kLittleEndian) noexcept
      : data_(data), limits_(limits), order_(order) {}

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  const Limits& limits() const noexcept { return limits_; }
  ByteOrder byte_order() const noexcept { return order_; }
  // The first decode error seen, if any (tests assert the exact value).
  std::optional<DecodeError> error() const noexcept { return error_; }

  // Records `error` at the current offset and returns its Status.
  [[nodiscard]] Status fail(DecodeError error);

  // Skips to the next multiple of `n` (1, 2, 4 or 8) from the start of the body; the gap must exist.
  [[nodiscard]] Status align(std::size_t n);

  [[nodiscard]] Status read_u8(std::uint8_t& out);
  [[nodiscard]] Status read_u16(std::uint16_t& out);
  [[nodiscard]] Status read_u32(std::uint32_t& out);
  [[nodiscard]] Status read_u64(std::uint64_t& out);
  [[nodiscard]] Status read_f32(float& out);
  [[nodiscard]] Status read_f64(double& out);
  // A GUID: Data1 u32, Data2 u16, Data3 u16 (each in the label's byte order), Data4 8 bytes.
  [[nodiscard]] Status read_guid(GUID& out);
  // Claims the next n bytes (one bounds check for a whole fixed-layout structure); the fields are
  // then read with load() from primitives.h at their offsets.
  [[nodiscard]] Status take(std::size_t n, const std::byte*& out) {
    if (n > remaining()) return fail(DecodeError::kTruncated);
    out = data_.data() + pos_;
    pos_ += n;
    return Status::Ok();
  }
  // Copies out.size() raw bytes (byte arrays, blobs: no byte-order conversion).
  [[nodiscard]] Status read_bytes(std::span<std::byte> out);

  // Checks that `count` elements of `wire_size` bytes each fit in what remains and in the limits,
  // with a checked multiply, BEFORE the caller allocates. kCountTooLarge otherwise.
  [[nodiscard]] Status require_array(std::uint64_t count, std::size_t wire_size);

  // Reads a conformance (max_count, aligned to 4) and checks it as require_array(max, wire_size).
  [[nodiscard]] Status read_conformance(std::uint32_t& max_count, std::size_t wire_size);
  // Reads the variance (offset, actual_count) of a varying array whose max_count is `max_count`
  // and checks offset + actual_count <= max_count (C706 §14.3.3.3) and that the elements fit.
  [[nodiscard]] Status read_variance(std::uint32_t max_count, std::size_t wire_size,
                                     std::uint32_t& offset, std::uint32_t& actual_count);

  // Nesting guard: enter() before descending into a referent, union or struct that may recurse;
  // leave() on the way out. kTooDeep past Limits::max_depth.
  [[nodiscard]] Status enter();
  void leave() noexcept { --depth_; }

  // Charges `bytes` of decoded memory to Limits::max_allocation (kAllocationLimit past it).
  [[nodiscard]] Status charge_allocation(std::size_t bytes);

  // Full pointers (C706 §14.3.11.3): the value first decoded for a referent id. nullptr if unseen.
  void* full_pointer_lookup(std::uint32_t referent_id) const;
  void full_pointer_define(std::uint32_t referent_id, void* value);
  // A pointer slot whose referent id was read in a flat part and whose referent comes later.
  void note_full_pointer_slot(const void* slot, std::uint32_t referent_id);
  // The id noted for `slot` (and forgets it), or 0. If that id got defined meanwhile (two slots
  // with one id), the caller aliases full_pointer_lookup(id) instead of decoding again.
  std::uint32_t take_full_pointer_slot(const void* slot);

  // The COM layer's interface-pointer unmarshaler for this message (may be null).
  InterfaceMarshaler* interface_marshaler() const noexcept { return interfaces_; }
  void set_interface_marshaler(InterfaceMarshaler* m) noexcept { interfaces_ = m; }

  // kTrailingBytes unless every byte has been consumed.
  [[nodiscard]] Status expect_end();

 private:
  template <class T>
  Status read_integer(T& out) {
    if (sizeof(T) > remaining()) return fail(DecodeError::kTruncated);
    T value;
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    if (order_ == ByteOrder::kBigEndian) value = swap(value);
    out = value;
    return Status::Ok();
  }
  template <class T>
  static T swap(T value) noexcept {
    T result = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      result = static_cast<T>((result << 8) | (value & 0xFF));
      value = static_cast<T>(value >> 8);
    }
    return result;
  }

  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
  Limits limits_;
  ByteOrder order_;
  std::uint32_t depth_ = 0;
  std::size_t allocated_ = 0;
  std::optional<DecodeError> error_;
  std::map<std::uint32_t, void*> full_pointers_;
  std::map<const void*, std::uint32_t> full_pointer_slots_;
  InterfaceMarshaler* interfaces_ = nullptr;
};

// RAII form of enter()/leave() for generated code.
class DepthGuard {
 public:
  explicit DepthGuard(Reader& r) noexcept : r_(r) {}
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  [[nodiscard]] Status enter() {
    GUISE_RETURN_IF_ERROR(r_.enter());
    entered_ = true;
    return Status::Ok();
  }
  ~DepthGuard() {
    if (entered_) r_.leave();
  }

 private:
  Reader& r_;
  bool entered_ = false;
};

}  // namespace guise::ndr
