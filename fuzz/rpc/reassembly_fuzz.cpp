// Fuzzes stream framing plus reassembly the way an association consumes a byte stream: frame a
// fragment, decode it, feed request fragments to the Reassembler, drop calls on orphaned/co_cancel.
// The Reassembler reserves in a peer's share of a server budget: what the share holds never exceeds
// its limit, and nothing stays reserved once the Reassembler and every call it returned are gone.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "rpc/pdu.h"
#include "rpc/reassembly.h"

using namespace guise::rpc;

namespace {

void feed(std::span<const std::byte> stream, const Limits& limits, MemoryBudget& peer, const MemoryBudget& server) {
  Reassembler reassembler(limits, &peer);
  for (int i = 0; i < 256 && !stream.empty(); ++i) {
    auto framed = frame_length(stream, limits.max_recv_frag);
    if (!framed.ok() || *framed == 0 || *framed > stream.size()) return;
    auto fragment = stream.first(*framed);
    stream = stream.subspan(*framed);
    auto pdu = decode_pdu(fragment, limits);
    if (!pdu.ok()) return;
    if (auto* req = std::get_if<RequestPdu>(&*pdu)) {
      CallMeta meta{req->header.call_id, req->context_id, req->opnum, req->object, std::nullopt};
      auto done = reassembler.add(meta, req->header.flags, req->alloc_hint, req->stub);
      if (done.ok() && done->has_value() && (*done)->stub.size() > limits.max_call_bytes) __builtin_trap();
      if (reassembler.calls_in_progress() > limits.max_calls_in_progress) __builtin_trap();
      if (peer.used() > peer.limit() || server.used() != peer.used()) __builtin_trap();
    } else if (auto* o = std::get_if<OrphanedPdu>(&*pdu)) {
      reassembler.drop(o->header.call_id);
    } else if (auto* c = std::get_if<CancelPdu>(&*pdu)) {
      reassembler.drop(c->header.call_id);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Limits limits;
  limits.max_call_bytes = 1 << 16;
  limits.max_calls_in_progress = 4;
  MemoryBudget server(1 << 18);
  MemoryBudget peer(1 << 17, &server);
  feed(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), limits, peer, server);
  if (peer.used() != 0 || server.used() != 0) __builtin_trap();
  return 0;
}
