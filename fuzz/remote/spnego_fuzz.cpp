// Fuzzes guise's SPNEGO reading: the DER reader over arbitrary bytes, negTokenInit / negTokenResp
// decoding with the Kerberos AP-REQ unframing, and the acceptor's state machine driven through
// several legs cut from the input (with a stand-in mechanism: the first octet of each mechanism
// token says whether it completes). Decoded spans must lie inside the input.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <span>

#include "rpc/gssapi/der.h"
#include "rpc/gssapi/spnego_acceptor.h"
#include "rpc/gssapi/spnego_token.h"

using namespace guise::rpc;

namespace {

void check_inside(std::span<const std::byte> outer, std::span<const std::byte> inner) {
  if (inner.empty()) return;
  if (inner.data() < outer.data() || inner.data() + inner.size() > outer.data() + outer.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  // Every element the reader hands out, at one level, lies inside the input.
  der::Reader reader(bytes);
  for (int i = 0; i < 64 && !reader.at_end(); ++i) {
    auto e = reader.next();
    if (!e.ok()) break;
    check_inside(bytes, e->encoded);
    check_inside(e->encoded, e->content);
  }
  if (auto init = spnego::parse_init(bytes); init.ok()) {
    if (init->mech_types.empty() || init->mech_types.size() > spnego::kMaxMechTypes) __builtin_trap();
    check_inside(bytes, init->mech_types_der);
    if (init->mech_token) {
      check_inside(bytes, *init->mech_token);
      if (auto ap_req = spnego::dce_style_ap_req(*init->mech_token); ap_req.ok()) check_inside(bytes, *ap_req);
    }
  }
  if (auto resp = spnego::parse_resp(bytes); resp.ok() && resp->response_token) {
    check_inside(bytes, *resp->response_token);
  }
  (void)spnego::dce_style_ap_req(bytes);

  // The acceptor over up to four legs: each leg is a length octet and that many bytes.
  gssapi::SpnegoAcceptor acceptor;
  guise::rpc::gss::Context no_context;
  auto mech = [](std::span<const std::byte> token) -> guise::Result<gssapi::MechStep> {
    const bool complete = !token.empty() && (std::to_integer<unsigned>(token[0]) & 1);
    return gssapi::MechStep{std::vector<std::byte>(token.begin(), token.end()), complete};
  };
  std::span<const std::byte> rest = bytes;
  for (int leg = 0; leg < 4 && !rest.empty(); ++leg) {
    const std::size_t length = std::min(std::to_integer<std::size_t>(rest[0]), rest.size() - 1);
    auto out = acceptor.step(rest.subspan(1, length), mech, no_context);
    rest = rest.subspan(1 + length);
    if (!out.ok()) break;
    if (!spnego::parse_resp(out->reply).ok()) __builtin_trap();  // what guise sends must read back
    if (out->complete != acceptor.complete()) __builtin_trap();
  }
  return 0;
}
