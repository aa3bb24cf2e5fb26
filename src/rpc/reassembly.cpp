// reassembly.cpp: fragment sequences to whole calls (C706 §12.6.2, MS-RPCE §3.3.1.5.7).
#include "rpc/reassembly.h"

#include <algorithm>

namespace guise::rpc {

bool Reassembler::make_room(AssembledCall& call, std::size_t needed) {
  if (needed <= call.stub.capacity()) return true;
  // Geometric growth keeps appends amortised; the reservation always covers the real capacity
  // (std::vector::reserve allocates exactly what it is asked for), so the budget sees what we hold.
  const std::size_t grown = std::max(needed, std::min(max_call_bytes_, call.stub.capacity() * 2));
  if (!call.reserved.resize(grown)) {
    if (grown == needed || !call.reserved.resize(needed)) return false;
  }
  call.stub.reserve(call.reserved.bytes());
  return true;
}

Decoded<std::optional<AssembledCall>> Reassembler::add(const CallMeta& meta, std::uint8_t flags,
                                                       std::uint32_t alloc_hint,
                                                       std::span<const std::byte> stub) {
  auto it = std::find_if(calls_.begin(), calls_.end(),
                         [&](const AssembledCall& c) { return c.meta.call_id == meta.call_id; });
  const bool first = (flags & kPfcFirstFrag) != 0;
  const bool last = (flags & kPfcLastFrag) != 0;
  if (first) {
    if (it != calls_.end()) {
      calls_.erase(it);
      return fail(DecodeError::kBadFragmentSequence);
    }
    // Checked here, not only when the next fragment arrives: the room left for the call below
    // (max_call_bytes_ - size) must never be computed from a size already past the limit.
    if (stub.size() > max_call_bytes_) return fail(DecodeError::kCallTooLarge);
    if (!last && calls_.size() >= max_calls_) return fail(DecodeError::kTooManyCalls);
    AssembledCall call{meta, {}, MemoryReservation(budget_)};
    const std::size_t initial =
        last ? stub.size()
             : std::max(stub.size(), std::min<std::size_t>({alloc_hint, max_call_bytes_, kMaxPreallocation}));
    if (!make_room(call, initial)) return fail(DecodeError::kOverMemoryBudget);
    call.stub.assign(stub.begin(), stub.end());
    if (last) return std::optional<AssembledCall>(std::move(call));
    calls_.push_back(std::move(call));
    return std::optional<AssembledCall>();
  }
  if (it == calls_.end()) return fail(DecodeError::kBadFragmentSequence);
  if (stub.size() > max_call_bytes_ - it->stub.size()) {
    calls_.erase(it);
    return fail(DecodeError::kCallTooLarge);
  }
  if (!make_room(*it, it->stub.size() + stub.size())) {
    calls_.erase(it);
    return fail(DecodeError::kOverMemoryBudget);
  }
  it->stub.insert(it->stub.end(), stub.begin(), stub.end());
  if (!last) return std::optional<AssembledCall>();
  AssembledCall done = std::move(*it);
  calls_.erase(it);
  return std::optional<AssembledCall>(std::move(done));
}

bool Reassembler::drop(std::uint32_t call_id) noexcept {
  auto it = std::find_if(calls_.begin(), calls_.end(),
                         [&](const AssembledCall& c) { return c.meta.call_id == call_id; });
  if (it == calls_.end()) return false;
  calls_.erase(it);
  return true;
}

}  // namespace guise::rpc
