// detail/fragment_parts.h: one fragment split into header, body and verifier (decoder internals).
//
// split_fragment() validates the common header against the fragment's real size and cuts off the
// sec_trailer and auth_value (at frag_length − auth_length − 8, MS-RPCE §2.2.2.11) and the auth pad
// before it, so each body decoder sees exactly its body and can insist that nothing is left over.
// Any auth_pad_length that fits is accepted (impacket aligns the trailer to 4, not 16).
#pragma once

#include <optional>
#include <span>

#include "rpc/pdu.h"
#include "rpc/pdu_writer.h"

namespace guise::rpc::detail {

struct FragmentParts {
  PduHeader header;
  std::span<const std::byte> body;  // after the common header, before the auth pad
  std::optional<AuthVerifier> auth;
};

Decoded<FragmentParts> split_fragment(std::span<const std::byte> fragment) noexcept;

// Appends pad (to a multiple of 4 from the PDU start), sec_trailer and auth_value; returns nothing:
// the caller patches auth_length with auth.auth_value.size(). auth_pad_length is what was padded.
void append_auth(PduWriter& w, const AuthVerifier& auth);
// Sets frag_length (and auth_length) in an encoded PDU from the writer's final size.
void finish_pdu(std::vector<std::byte>& out, std::uint16_t auth_length);

}  // namespace guise::rpc::detail
