// pdu_reader.h: the one bounded cursor over bytes that came off a socket.
//
// PduReader reads little-endian integers, GUIDs and byte runs from a std::span, forward only. Every
// read checks `n <= remaining()` first (sizes, never pointer arithmetic past the end) and fails with
// DecodeError::kTruncated instead of reading out of bounds. Alignment is the reader's job: align(n)
// pads relative to the start of the PDU (C706 §12.6.2: alignment is relative to the PDU start) and is
// checked like a read; pad contents are ignored (peers fill them with anything). Not thread-safe
// (one cursor, one thread); the bytes must outlive the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <span>

#include "guise/guiddef.h"
#include "base/status.h"
#include "rpc/decode_error.h"

namespace guise::rpc {

// Decoded<T>: a T or the DecodeError that prevented it (std::expected is C++23).
struct DecodeFailure {
  DecodeError error;
};
inline DecodeFailure fail(DecodeError error) noexcept { return {error}; }

template <class T>
class [[nodiscard]] Decoded {
 public:
  Decoded(T value) : value_(std::move(value)) {}                   // NOLINT: implicit by design
  Decoded(DecodeFailure failure) noexcept : error_(failure.error) {}  // NOLINT
  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  DecodeError error() const noexcept { return error_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  DecodeError error_ = DecodeError::kTruncated;
};

template <>
class [[nodiscard]] Decoded<void> {
 public:
  Decoded() noexcept = default;
  Decoded(DecodeFailure failure) noexcept : ok_(false), error_(failure.error) {}  // NOLINT
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  DecodeError error() const noexcept { return error_; }

 private:
  bool ok_ = true;
  DecodeError error_ = DecodeError::kTruncated;
};

class PduReader {
 public:
  // `base_offset`: where bytes[0] sits in the PDU, for align().
  explicit PduReader(std::span<const std::byte> bytes, std::size_t base_offset = 0) noexcept
      : bytes_(bytes), base_(base_offset) {}

  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool at_end() const noexcept { return pos_ == bytes_.size(); }

  Decoded<std::uint8_t> u8() noexcept {
    if (remaining() < 1) return fail(DecodeError::kTruncated);
    return std::to_integer<std::uint8_t>(bytes_[pos_++]);
  }
  Decoded<std::uint16_t> u16() noexcept {
    if (remaining() < 2) return fail(DecodeError::kTruncated);
    std::uint16_t v = static_cast<std::uint16_t>(byte_at(0) | (byte_at(1) << 8));
    pos_ += 2;
    return v;
  }
  Decoded<std::uint32_t> u32() noexcept {
    if (remaining() < 4) return fail(DecodeError::kTruncated);
    std::uint32_t v = byte_at(0) | (byte_at(1) << 8) | (byte_at(2) << 16) |
                      (static_cast<std::uint32_t>(byte_at(3)) << 24);
    pos_ += 4;
    return v;
  }
  // NDR/DCE wire form of a UUID: Data1..Data3 little-endian, Data4 as bytes.
  Decoded<GUID> guid() noexcept {
    if (remaining() < 16) return fail(DecodeError::kTruncated);
    GUID g{};
    g.Data1 = *u32();
    g.Data2 = *u16();
    g.Data3 = *u16();
    for (auto& b : g.Data4) b = *u8();
    return g;
  }
  Decoded<std::span<const std::byte>> bytes(std::size_t n) noexcept {
    if (n > remaining()) return fail(DecodeError::kTruncated);
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Decoded<void> skip(std::size_t n) noexcept {
    if (n > remaining()) return fail(DecodeError::kTruncated);
    pos_ += n;
    return {};
  }
  // Skips to the next multiple of `n` (a power of two) relative to the PDU start.
  Decoded<void> align(std::size_t n) noexcept {
    std::size_t abs = base_ + pos_;
    return skip((n - (abs & (n - 1))) & (n - 1));
  }
  // Fails unless `count` elements of `size` bytes fit in what is left (checked multiply).
  Decoded<void> require_array(std::size_t count, std::size_t size) const noexcept {
    if (size != 0 && count > remaining() / size) return fail(DecodeError::kBadCount);
    return {};
  }

 private:
  std::uint32_t byte_at(std::size_t i) const noexcept {
    return std::to_integer<std::uint32_t>(bytes_[pos_ + i]);
  }
  std::span<const std::byte> bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

}  // namespace guise::rpc

// Propagates a DecodeError from a Decoded<T> expression (inside functions returning Decoded<U>).
#define GUISE_DECODE(decl, expr)                                             \
  auto GUISE_STATUS_CONCAT(guise_dec_, __LINE__) = (expr);                   \
  if (!GUISE_STATUS_CONCAT(guise_dec_, __LINE__))                            \
    return ::guise::rpc::fail(GUISE_STATUS_CONCAT(guise_dec_, __LINE__).error()); \
  decl = *GUISE_STATUS_CONCAT(guise_dec_, __LINE__)
#define GUISE_DECODE_CHECK(expr)                                             \
  do {                                                                       \
    auto guise_dec_tmp_ = (expr);                                            \
    if (!guise_dec_tmp_) return ::guise::rpc::fail(guise_dec_tmp_.error());     \
  } while (false)
