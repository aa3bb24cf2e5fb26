// presentation.cpp: choosing a result for every offered presentation context.
#include "rpc/presentation.h"

#include <algorithm>

namespace guise::rpc {

NegotiationOutcome negotiate_contexts(const std::vector<ContextElement>& offered,
                                      const InterfaceRegistry& registry,
                                      const std::map<std::uint16_t, const InterfaceRegistration*>& existing) {
  NegotiationOutcome out;
  out.results.reserve(offered.size());
  for (const auto& element : offered) {
    ContextResultEntry entry;
    entry.result = ContextResult::kProviderRejection;
    const auto& syntaxes = element.transfer_syntaxes;
    if (syntaxes.size() == 1 && is_bind_time_feature_syntax(syntaxes[0])) {
      // The client's bitmask sits in the octets after the prefix (Data4[0] is the first octet).
      entry.result = ContextResult::kNegotiateAck;
      entry.reason = static_cast<std::uint16_t>(syntaxes[0].uuid.Data4[0] & kSupportedBindTimeFeatures);
      out.results.push_back(entry);
      continue;
    }
    const InterfaceRegistration* iface = registry.find(element.abstract_syntax);
    if (iface == nullptr) {
      entry.reason = static_cast<std::uint16_t>(ContextRejectReason::kAbstractSyntaxNotSupported);
      out.results.push_back(entry);
      continue;
    }
    if (std::find(syntaxes.begin(), syntaxes.end(), kNdr20Syntax) == syntaxes.end()) {
      entry.reason = static_cast<std::uint16_t>(ContextRejectReason::kProposedTransferSyntaxesNotSupported);
      out.results.push_back(entry);
      continue;
    }
    auto bound = existing.find(element.context_id);
    bool taken_in_this_pdu = std::any_of(out.accepted.begin(), out.accepted.end(),
                                         [&](const auto& a) { return a.first == element.context_id; });
    if ((bound != existing.end() && bound->second != iface) || taken_in_this_pdu) {
      entry.reason = static_cast<std::uint16_t>(ContextRejectReason::kNotSpecified);
      out.results.push_back(entry);
      continue;
    }
    entry.result = ContextResult::kAcceptance;
    entry.reason = 0;
    entry.transfer_syntax = kNdr20Syntax;
    out.results.push_back(entry);
    out.accepted.emplace_back(element.context_id, iface);
  }
  return out;
}

}  // namespace guise::rpc
