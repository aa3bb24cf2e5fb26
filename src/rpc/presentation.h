// presentation.h: presentation-context negotiation for bind and alter_context (server side).
//
// For each p_cont_elem the client offers (C706 §12.6.3.1; MS-RPCE §3.3.1.5.6): an abstract syntax
// that is no registered interface is rejected (abstract_syntax_not_supported); a registered one is
// accepted with NDR 2.0 when the client offers it, else rejected (proposed_transfer_syntaxes_not_
// supported, e.g. NDR64-only). A bind-time-feature-negotiation element (MS-RPCE §3.3.1.5.3) is
// answered with negotiate_ack and the features we support in the reason field. A context id
// already bound to another interface is rejected. Pure function of its inputs: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "rpc/interface_registry.h"
#include "rpc/pdu.h"

namespace guise::rpc {

// Features this runtime supports: several security contexts per connection, and the connection
// stays open after an orphaned PDU.
inline constexpr std::uint8_t kSupportedBindTimeFeatures =
    kBtfnSecurityContextMultiplexing | kBtfnKeepConnectionOnOrphan;

struct NegotiationOutcome {
  std::vector<ContextResultEntry> results;  // one per offered element, in order
  std::vector<std::pair<std::uint16_t, const InterfaceRegistration*>> accepted;
};

NegotiationOutcome negotiate_contexts(const std::vector<ContextElement>& offered,
                                      const InterfaceRegistry& registry,
                                      const std::map<std::uint16_t, const InterfaceRegistration*>& existing);

}  // namespace guise::rpc
