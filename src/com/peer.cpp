#include "com/peer.h"

#include <fmt/format.h>

namespace guise::com {

PeerKey peer_of(const rpc::CallAttributes& attributes) {
  PeerKey key;
  if (attributes.transport == rpc::TransportKind::kLocal && attributes.client_pid) {
    key.kind = PeerKey::Kind::kLocalProcess;
    key.pid = *attributes.client_pid;
    if (attributes.caller) key.uid = attributes.caller->uid();
    return key;
  }
  if (attributes.caller && !attributes.caller->is_anonymous()) {
    key.kind = PeerKey::Kind::kPrincipal;
    key.principal = attributes.caller->principal_name();
    return key;
  }
  key.kind = PeerKey::Kind::kAnonymous;
  return key;
}

std::string PeerKey::describe() const {
  switch (kind) {
    case Kind::kSelf: return "this process";
    case Kind::kLocalProcess: return fmt::format("pid {} (uid {})", pid, uid);
    case Kind::kPrincipal: return principal;
    case Kind::kAnonymous: return "an unauthenticated TCP caller";
  }
  return "?";
}

}  // namespace guise::com
