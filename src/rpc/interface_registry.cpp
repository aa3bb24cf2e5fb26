// interface_registry.cpp: registered interfaces and if_version matching.
#include "rpc/interface_registry.h"

#include "base/guid_string.h"

namespace guise::rpc {

Status InterfaceRegistry::add(InterfaceRegistration registration) {
  for (const auto& r : interfaces_) {
    if (r.id.uuid == registration.id.uuid && r.id.major == registration.id.major) {
      return invalid_input("interface " + format_guid(r.id.uuid) + " v" + std::to_string(r.id.major) +
                           " is already registered");
    }
  }
  interfaces_.push_back(std::move(registration));
  return Status::Ok();
}

const InterfaceRegistration* InterfaceRegistry::find(const SyntaxId& s) const noexcept {
  for (const auto& r : interfaces_) {
    if (r.id.uuid == s.uuid && r.id.major == s.major && s.minor <= r.id.minor) return &r;
  }
  return nullptr;
}

}  // namespace guise::rpc
