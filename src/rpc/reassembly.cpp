// reassembly.cpp: fragment sequences to whole calls (C706 §12.6.2, MS-RPCE §3.3.1.5.7).
#include "rpc/reassembly.h"

#include <algorithm>

namespace guise::rpc {

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
    if (stub.size() > limits_.max_call_bytes) return fail(DecodeError::kCallTooLarge);
    if (last) return std::optional<AssembledCall>(AssembledCall{meta, {stub.begin(), stub.end()}});
    if (calls_.size() >= limits_.max_calls_in_progress) return fail(DecodeError::kTooManyCalls);
    AssembledCall call{meta, {}};
    call.stub.reserve(std::min<std::size_t>({alloc_hint, limits_.max_call_bytes, kMaxPreallocation}));
    call.stub.assign(stub.begin(), stub.end());
    calls_.push_back(std::move(call));
    return std::optional<AssembledCall>();
  }
  if (it == calls_.end()) return fail(DecodeError::kBadFragmentSequence);
  if (stub.size() > limits_.max_call_bytes - it->stub.size()) {
    calls_.erase(it);
    return fail(DecodeError::kCallTooLarge);
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
