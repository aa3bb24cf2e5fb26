// sta_peer.h: the interfaces of the STA call tests (tests only).
//
// guise-sta-peer (another process) serves kPeerInterface; the test process serves kCallbackInterface,
// which the peer calls back into while the test's STA waits for the peer's reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/interface_registry.h"

namespace guise::com::testing {

inline constexpr rpc::InterfaceId kPeerInterface = {
    {0x3f0d9c61, 0x51b2, 0x4e7a, {0x8d, 0x20, 0x6b, 0x41, 0xc9, 0x7e, 0x05, 0xa1}}, 1, 0};
inline constexpr rpc::InterfaceId kCallbackInterface = {
    {0x3f0d9c61, 0x51b2, 0x4e7a, {0x8d, 0x20, 0x6b, 0x41, 0xc9, 0x7e, 0x05, 0xa2}}, 1, 0};

enum PeerOp : std::uint16_t {
  kCallBack = 0,  // in: a string binding → calls kCallbackInterface opnum 0 there, returns its reply
  kHold = 1,      // waits (≤ 20 s) for a release → "released" (or "expired")
  kRelease = 2,   // one release, for a hold waiting now or the next one → "ok"
  kEcho = 3,      // returns its input
};

inline std::vector<std::byte> as_bytes(std::string_view text) {
  std::vector<std::byte> out(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) out[i] = static_cast<std::byte>(text[i]);
  return out;
}

inline std::string as_text(const std::vector<std::byte>& bytes) {
  std::string out(bytes.size(), '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = static_cast<char>(bytes[i]);
  return out;
}

}  // namespace guise::com::testing
