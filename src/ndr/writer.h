// writer.h: the growing buffer every NDR encoder writes through.
//
// A Writer appends little-endian NDR 2.0 (the only representation guise sends) with alignment
// measured from the start of the body, zero-filling alignment gaps so identical values always give
// identical bytes. It hands out referent ids for unique/full pointers the way Windows does
// (0x00020000, then +4 per pointer) and remembers full pointers so a pointer marshaled twice is sent
// once (C706 §14.3.11.3). Not thread-safe; one Writer per message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <span>
#include <vector>

#include "guise/guiddef.h"
#include "ndr/interface_marshaler.h"

namespace guise::ndr {

class Writer {
 public:
  Writer() noexcept : pad_(pad_byte_for_testing()) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::size_t size() const noexcept { return size_; }
  std::span<const std::byte> bytes() const noexcept { return {buf_.data(), size_}; }
  // Moves the encoded body out; the Writer is empty afterwards.
  std::vector<std::byte> take() noexcept {
    buf_.resize(size_);
    size_ = 0;
    return std::move(buf_);
  }
  void reserve(std::size_t n) {
    if (n > buf_.size()) buf_.resize(n);
  }

  // Pads with zero bytes to the next multiple of n (1, 2, 4 or 8).
  void align(std::size_t n);

  // Tests only: Writers constructed afterwards on this thread pad with `b` instead of zero, so a
  // test can find the pad bytes of an encoding (encode twice, compare) when comparing with a peer
  // that fills pads differently (NDR leaves pad content unspecified, C706 §14.2.2).
  static void set_pad_byte_for_testing(std::byte b) noexcept { pad_byte_for_testing() = b; }

  void write_u8(std::uint8_t v) { *claim(1) = static_cast<std::byte>(v); }
  void write_u16(std::uint16_t v) { append_le(v); }
  void write_u32(std::uint32_t v) { append_le(v); }
  void write_u64(std::uint64_t v) { append_le(v); }
  void write_f32(float v);
  void write_f64(double v);
  // Aligns to 4, then Data1, Data2, Data3 little-endian and Data4's 8 bytes.
  void write_guid(const GUID& g);
  void write_bytes(std::span<const std::byte> data);
  // The next n bytes of the body, already filled with the pad byte, for a structure whose flat
  // layout is fixed: generated code stores each field at its offset (store() in primitives.h).
  std::byte* claim_filled(std::size_t n) {
    std::byte* p = claim(n);
    std::memset(p, static_cast<int>(pad_), n);
    return p;
  }

  // Aligned 4-byte conformance (max_count) and variance (offset, actual_count).
  void write_conformance(std::uint32_t max_count);
  void write_variance(std::uint32_t offset, std::uint32_t actual_count);

  // A fresh referent id for a non-null unique or full pointer.
  std::uint32_t next_referent_id() noexcept {
    const std::uint32_t id = next_referent_id_;
    next_referent_id_ += 4;
    return id;
  }
  // Full pointers: the id already given to `p`, with first = false; or a fresh id and first = true
  // (the caller then marshals the referent).
  std::pair<std::uint32_t, bool> full_pointer_id(const void* p);
  // Deferred part of a full pointer: true the first time `p`'s referent is due (write it then).
  bool claim_full_referent(const void* p) { return full_referents_written_.insert(p).second; }

  // The COM layer's interface-pointer marshaler for this message (may be null).
  InterfaceMarshaler* interface_marshaler() const noexcept { return interfaces_; }
  void set_interface_marshaler(InterfaceMarshaler* m) noexcept { interfaces_ = m; }

 private:
  // The next n bytes of the body, growing the buffer geometrically. `buf_` is storage whose
  // first size_ bytes are the body (no per-append vector bookkeeping on the hot path).
  std::byte* claim(std::size_t n) {
    if (n > buf_.size() - size_) grow(n);
    std::byte* p = buf_.data() + size_;
    size_ += n;
    return p;
  }
  void grow(std::size_t n);

  template <class T>
  void append_le(T v) {
    std::byte* p = claim(sizeof(T));
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      p[i] = static_cast<std::byte>(v & 0xFF);
      v = static_cast<T>(v >> 8);
    }
  }

  static std::byte& pad_byte_for_testing() noexcept {
    thread_local std::byte pad{0};
    return pad;
  }

  std::vector<std::byte> buf_;
  std::size_t size_ = 0;
  std::byte pad_;
  std::uint32_t next_referent_id_ = 0x00020000;
  std::map<const void*, std::uint32_t> full_pointers_;
  std::set<const void*> full_referents_written_;
  InterfaceMarshaler* interfaces_ = nullptr;
};

}  // namespace guise::ndr
