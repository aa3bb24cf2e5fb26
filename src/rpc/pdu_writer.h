// pdu_writer.h: appends little-endian PDU fields to a byte vector.
//
// The encoding counterpart of PduReader: integers, GUIDs in DCE wire order, byte runs, zero padding
// relative to the PDU start, and patching of a u16 written earlier (frag_length, auth_length).
// Only our own values go through it, so it asserts on misuse. Not thread-safe (one buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/assert.h"
#include "guise/guiddef.h"

namespace guise::rpc {

class PduWriter {
 public:
  explicit PduWriter(std::vector<std::byte>& out) noexcept : out_(out), start_(out.size()) {}

  std::size_t size() const noexcept { return out_.size() - start_; }
  void u8(std::uint8_t v) { out_.push_back(std::byte{v}); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v));
    u8(static_cast<std::uint8_t>(v >> 8));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v));
    u16(static_cast<std::uint16_t>(v >> 16));
  }
  void guid(const GUID& g) {
    u32(g.Data1);
    u16(g.Data2);
    u16(g.Data3);
    for (auto b : g.Data4) u8(b);
  }
  void bytes(std::span<const std::byte> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, std::byte{0}); }
  // Pads with zeros to a multiple of n (a power of two) from the PDU start; returns the pad length.
  std::size_t align(std::size_t n) {
    std::size_t pad = (n - (size() & (n - 1))) & (n - 1);
    zeros(pad);
    return pad;
  }
  // Overwrites the u16 at `offset` (from the PDU start).
  void patch_u16(std::size_t offset, std::uint16_t v) {
    GUISE_ASSERT(offset + 2 <= size(), "patch past the end: ", offset);
    out_[start_ + offset] = std::byte{static_cast<std::uint8_t>(v)};
    out_[start_ + offset + 1] = std::byte{static_cast<std::uint8_t>(v >> 8)};
  }

 private:
  std::vector<std::byte>& out_;
  std::size_t start_;
};

}  // namespace guise::rpc
