// remote_oxid.h: another process's object exporter as this process's proxies see it — the client
// half of OXID resolution (MS-DCOM §3.2.4.1.2.2) and the IRemUnknown every proxy of it shares.
//
// Resolving an OXID asks the resolver named by an OBJREF's saResAddr (IObjectExporter::ResolveOxid2
// on the first string binding usable from here — ncalrpc on this host first, then ncacn_ip_tcp) for
// the exporter's string bindings, its IRemUnknown IPID and authentication hint. The answer is cached
// per (resolver binding, OXID) while any proxy uses it: a second OBJREF of the same exporter costs no call. Bindings from a
// peer are decoded with the DUALSTRINGARRAY checks and only towers guise can use are kept; nothing
// in them is trusted beyond "where to connect" (the kernel says who answers there).
// Thread-safety: RemoteOxid is immutable after resolution except for its lazily made IRemUnknown
// proxy; OxidTable's members may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "com/connection_source.h"
#include "com/dual_string_array.h"
#include "com/limits.h"
#include "com/objref.h"
#include "ndr/interface_marshaler.h"
#include "ndr/proxy_registry.h"
#include "remunkn.h"

namespace guise::com {

class OrpcChannel;

class RemoteOxid {
 public:
  RemoteOxid(Oxid oxid, rpc::StringBinding binding, std::shared_ptr<rpc::Client> client, Ipid rem_unknown,
             std::uint32_t authn_hint, rpc::StringBinding resolver, std::shared_ptr<rpc::Client> resolver_client,
             DualStringArray resolver_dsa);
  ~RemoteOxid();

  Oxid oxid() const noexcept { return oxid_; }
  const rpc::StringBinding& binding() const noexcept { return binding_; }
  rpc::Client& client() const noexcept { return *client_; }
  const Ipid& rem_unknown_ipid() const noexcept { return rem_unknown_; }
  std::uint32_t authn_hint() const noexcept { return authn_hint_; }
  const rpc::StringBinding& resolver() const noexcept { return resolver_; }
  rpc::Client& resolver_client() const noexcept { return *resolver_client_; }
  // The resolver's DUALSTRINGARRAY as the OBJREF gave it: OBJREFs for third parties carry it again.
  const DualStringArray& resolver_bindings() const noexcept { return resolver_dsa_; }

  // The exporter's IRemUnknown (a generated proxy on its ipidRemUnknown), made on first use.
  // `timeout` bounds its calls (zero: none).
  IRemUnknown* rem_unknown(ndr::InterfaceMarshaler* marshaler, const ComLimits& limits);

 private:
  Oxid oxid_;
  rpc::StringBinding binding_;
  std::shared_ptr<rpc::Client> client_;
  Ipid rem_unknown_;
  std::uint32_t authn_hint_;
  rpc::StringBinding resolver_;
  std::shared_ptr<rpc::Client> resolver_client_;
  DualStringArray resolver_dsa_;
  std::mutex mu_;
  std::unique_ptr<OrpcChannel> rem_unknown_channel_;
  ndr::ProxyPtr rem_unknown_proxy_;
};

class OxidTable {
 public:
  OxidTable(ConnectionSource& connections, ComLimits limits) : connections_(connections), limits_(limits) {}

  // The exporter `oxid` whose resolver `resolver` names, resolved on first use. Errors: the OBJREF
  // names no usable binding (RPC_E_INVALID_OBJREF), the resolver is gone (0x800706BA) or does not
  // know the OXID (HRESULT_FROM_WIN32(OR_INVALID_OXID)).
  // `expected_server` pins every connection to that kernel-attested uid (activation through the class
  // directory); exporters reached with and without a pin are cached apart.
  [[nodiscard]] Result<std::shared_ptr<RemoteOxid>> resolve(Oxid oxid, const DualStringArray& resolver,
                                                            std::optional<uid_t> expected_server = std::nullopt);

  // The first binding of `dsa` usable from this host (ncalrpc here first, then TCP), or nullopt.
  static std::optional<rpc::StringBinding> pick_binding(const DualStringArray& dsa);

 private:
  ConnectionSource& connections_;
  ComLimits limits_;
  std::mutex mu_;
  // Weak: an exporter no proxy uses any more is forgotten (and resolved again if it comes back).
  std::map<std::string, std::weak_ptr<RemoteOxid>> by_key_;
};

}  // namespace guise::com
