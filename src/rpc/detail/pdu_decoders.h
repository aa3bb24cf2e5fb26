// detail/pdu_decoders.h: the per-type body decoders decode_pdu() dispatches to.
#pragma once

#include "rpc/detail/fragment_parts.h"
#include "rpc/pdu.h"

namespace guise::rpc::detail {

Decoded<Pdu> decode_bind(FragmentParts parts, const Limits& limits);
Decoded<Pdu> decode_bind_ack(FragmentParts parts, const Limits& limits);
Decoded<Pdu> decode_bind_nak(FragmentParts parts);
Decoded<Pdu> decode_request(FragmentParts parts);
Decoded<Pdu> decode_response(FragmentParts parts);
Decoded<Pdu> decode_fault(FragmentParts parts);

}  // namespace guise::rpc::detail
