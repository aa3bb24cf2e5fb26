// reassembly.h: joins the fragments of calls into whole stubs, within the Limits.
//
// C706 §12.6.2: a call's request (or response) is a run of fragments with one call_id, the first
// flagged PFC_FIRST_FRAG and the last PFC_LAST_FRAG. Reassembler keeps one buffer per call in progress
// and enforces: a fragment that continues a call must follow a first fragment of that call; a new
// first fragment for a call in progress is a sequence error; at most Limits::max_calls_in_progress
// calls at once (CONC_MPX peers may interleave); at most Limits::max_call_bytes per call. alloc_hint
// is only a hint: it never sizes an allocation beyond a small cap. Single-fragment calls need no
// reassembly and callers keep them on the zero-copy path. Not thread-safe (one per association).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rpc/limits.h"
#include "rpc/pdu.h"

namespace guise::rpc {

// What the first fragment said about the call (later fragments must agree on nothing else).
struct CallMeta {
  std::uint32_t call_id = 0;
  std::uint16_t context_id = 0;
  std::uint16_t opnum = 0;
  std::optional<GUID> object;
  std::optional<std::uint32_t> auth_context_id;
  // The first fragment's data representation label (pdu_header.cpp admits only 10 00 00 00 today).
  std::array<std::uint8_t, 4> drep = {kDrepLittleEndianAscii, kDrepIeeeFloat, 0, 0};
};

struct AssembledCall {
  CallMeta meta;
  std::vector<std::byte> stub;
};

class Reassembler {
 public:
  explicit Reassembler(const Limits& limits) : limits_(limits) {}

  // Adds one fragment. Returns the whole call when this was its last fragment, nullopt while more
  // are expected. On error the call in question is dropped.
  Decoded<std::optional<AssembledCall>> add(const CallMeta& meta, std::uint8_t pfc_flags,
                                            std::uint32_t alloc_hint, std::span<const std::byte> stub);
  // Forgets a call (orphaned, co_cancel). Returns whether it was in progress.
  bool drop(std::uint32_t call_id) noexcept;
  std::size_t calls_in_progress() const noexcept { return calls_.size(); }

 private:
  // Largest allocation alloc_hint may cause up front; beyond it buffers grow with the bytes received.
  static constexpr std::size_t kMaxPreallocation = 64 * 1024;
  Limits limits_;
  std::vector<AssembledCall> calls_;  // few (≤ max_calls_in_progress): a vector beats a map
};

}  // namespace guise::rpc
