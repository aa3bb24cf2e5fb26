// interface_registry.h: the interfaces a server offers, and the handler for each opnum.
//
// An interface is its abstract syntax (UUID and version) plus a handler per opnum. Handlers receive
// the call (ServerCall: attributes, impersonation) and the request stub as opaque bytes, and append
// the reply stub to `out`; a non-OK Status becomes a fault (fault_status.h picks the value). Handlers
// run on the thread that read the request (DESIGN decision 6), as the process identity, inside the
// per-call scope of decision 5. A handler may throw: the dispatcher turns it into a fault.
//
// Version matching (C706 §12.6.3.1 rule for if_version): same major, client minor ≤ server minor.
// Register every interface before Server::start(); after that the registry is read-only and safe to
// read from every serving thread without locks.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "rpc/wire_constants.h"

namespace guise::rpc {

class ServerCall;

using InterfaceId = SyntaxId;

using OpHandler =
    std::function<Status(ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>& out)>;

struct InterfaceRegistration {
  InterfaceId id;
  std::string name;  // for logs
  std::vector<OpHandler> ops;  // index = opnum; an empty function is an unimplemented opnum
};

class InterfaceRegistry {
 public:
  // kInvalidInput if an interface with the same UUID and major version is already registered.
  [[nodiscard]] Status add(InterfaceRegistration registration);
  // The registration matching a client's abstract syntax, or nullptr.
  const InterfaceRegistration* find(const SyntaxId& abstract_syntax) const noexcept;

 private:
  std::vector<InterfaceRegistration> interfaces_;
};

}  // namespace guise::rpc
