// Fuzzes the PDU decoder: framing, header validation, every body decoder and the sec_trailer split.
// Whatever decodes must re-encode to a PDU that decodes again (encoders cannot be fed peer data that
// breaks them).
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "rpc/pdu.h"

using namespace guise::rpc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  Limits limits;
  auto framed = frame_length(bytes, 0xffff);
  if (framed.ok() && *framed != 0 && *framed <= bytes.size()) bytes = bytes.first(*framed);
  auto pdu = decode_pdu(bytes, limits);
  if (!pdu.ok()) return 0;
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        std::vector<std::byte> again;
        if constexpr (std::is_same_v<T, BindPdu>) again = encode_bind(p);
        else if constexpr (std::is_same_v<T, BindAckPdu>) again = encode_bind_ack(p);
        else if constexpr (std::is_same_v<T, RequestPdu>) again = encode_request(p);
        else if constexpr (std::is_same_v<T, ResponsePdu>) again = encode_response(p);
        else if constexpr (std::is_same_v<T, FaultPdu>) again = encode_fault(p);
        else if constexpr (std::is_same_v<T, Auth3Pdu>) again = encode_auth3(p);
        else return;
        if (again.size() <= 0xffff && !decode_pdu(again, limits).ok()) __builtin_trap();
      },
      *pdu);
  return 0;
}
