// pdu_vectors.h: hand-built PDUs for codec tests (tests only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "rpc/pdu.h"

namespace guise::rpc::testing {

inline constexpr SyntaxId kTestInterface = {
    {0x12345678, 0x1234, 0xabcd, {0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab}}, 1, 0};

inline std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(std::byte{static_cast<std::uint8_t>(v)});
  return out;
}

inline BindPdu make_bind(std::uint32_t call_id = 1) {
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = call_id;
  b.max_xmit_frag = 4280;
  b.max_recv_frag = 4280;
  b.contexts.push_back({0, kTestInterface, {kNdr20Syntax}});
  return b;
}

inline RequestPdu make_request(std::span<const std::byte> stub, std::uint32_t call_id = 2,
                               std::uint16_t opnum = 0, std::uint16_t context_id = 0) {
  RequestPdu r;
  r.header.type = PType::kRequest;
  r.header.flags = kPfcFirstFrag | kPfcLastFrag;
  r.header.call_id = call_id;
  r.alloc_hint = static_cast<std::uint32_t>(stub.size());
  r.context_id = context_id;
  r.opnum = opnum;
  r.stub = stub;
  return r;
}

}  // namespace guise::rpc::testing
