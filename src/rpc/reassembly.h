// reassembly.h: joins the fragments of calls into whole stubs, within the Limits and a memory budget.
//
// C706 §12.6.2: a call's request (or response) is a run of fragments with one call_id, the first
// flagged PFC_FIRST_FRAG and the last PFC_LAST_FRAG. Reassembler keeps one buffer per call in progress
// and enforces: a fragment that continues a call must follow a first fragment of that call; a new
// first fragment for a call in progress is a sequence error; at most Limits::max_calls_in_progress
// calls at once (CONC_MPX peers may interleave); at most Limits::max_call_bytes per call — the first
// fragment included; and every byte a buffer holds (its capacity, not only its size) is reserved in
// the MemoryBudget given (the peer's share of the server's), so a peer over its share gets
// kOverMemoryBudget. alloc_hint is only a hint: it never sizes an allocation beyond a small cap. A
// whole call keeps its reservation until the AssembledCall is destroyed (after its dispatch).
// Single-fragment calls need no reassembly and callers keep them on the zero-copy path.
// Not thread-safe (one per association).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rpc/limits.h"
#include "rpc/memory_budget.h"
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
  MemoryReservation reserved;  // stub's capacity, in the budget the Reassembler was given
};

class Reassembler {
 public:
  // `budget` (may be null: no budget) must outlive the Reassembler and every call it returns.
  explicit Reassembler(const Limits& limits, MemoryBudget* budget = nullptr)
      : max_call_bytes_(limits.max_call_bytes), max_calls_(limits.max_calls_in_progress), budget_(budget) {}

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
  // Reserves, then allocates, room for `needed` bytes in `call` (growing geometrically within the
  // call limit). False when the budget refuses even the exact size.
  bool make_room(AssembledCall& call, std::size_t needed);

  std::size_t max_call_bytes_;
  std::uint32_t max_calls_;
  MemoryBudget* budget_;
  std::vector<AssembledCall> calls_;  // few (≤ max_calls_in_progress): a vector beats a map
};

}  // namespace guise::rpc
