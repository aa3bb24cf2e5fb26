// client_side.h: everything this process needs to hold references to other processes' objects —
// connections, resolved OXIDs, the table of proxy managers, pinging and batched releases.
//
// unmarshal() turns a remote OBJREF into a pointer: resolve the OXID (cached), find or create the
// object's ProxyManager (one per exporter, OID and unmarshaling apartment: COM identity), let it take the OBJREF's
// references, hold its OID in the ping set unless the exporter asked for no pings, and
// QueryInterface the requested IID. The table is also how marshaling recognises a proxy (to hand a
// third party the real exporter's OBJREF instead of exporting the proxy).
// Thread-safety: all members.
#pragma once

#include <functional>
#include <map>
#include <tuple>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "base/status.h"
#include "com/connection_source.h"
#include "com/limits.h"
#include "com/objref.h"
#include "com/ping_client.h"
#include "com/proxy_manager.h"
#include "com/remote_oxid.h"
#include "guise/com_ptr.h"

namespace guise::com {

class ClientSide {
 public:
  ClientSide(ComLimits limits, ndr::InterfaceMarshaler& marshaler, std::function<void()> wake_housekeeper);
  ~ClientSide();

  const ComLimits& limits() const noexcept { return limits_; }
  ndr::InterfaceMarshaler& marshaler() noexcept { return marshaler_; }
  ConnectionSource& connections() noexcept { return connections_; }
  OxidTable& oxids() noexcept { return oxids_; }
  PingClient& pings() noexcept { return pings_; }

  // A proxy for a remote OBJREF, QueryInterface'd to `iid` (AddRef'd). `expected_server` pins the
  // exporter's connections to that kernel-attested uid (remote_oxid.h).
  [[nodiscard]] Result<ComPtr<IUnknown>> unmarshal(const ObjRef& objref, const IID& iid,
                                                   std::optional<uid_t> expected_server = std::nullopt);
  // The proxy manager whose identity is `identity` (AddRef'd), or null when it is no proxy of ours.
  ComPtr<ProxyManager> manager_of(IUnknown* identity);
  // CoReleaseMarshalData of a remote OBJREF: gives its references back to the exporter.
  [[nodiscard]] Status release_marshal_data(const ObjRef& objref);

  // Called by a ProxyManager whose count reached zero, before it deletes itself.
  void manager_released(ProxyManager* manager, std::vector<InterfaceRefs> refs, bool pinged);

  std::size_t proxy_count() const;

 private:
  using Key = std::tuple<const RemoteOxid*, Oid, std::uint64_t>;  // exporter, object, our apartment
  ComLimits limits_;
  ndr::InterfaceMarshaler& marshaler_;
  ConnectionSource connections_;
  OxidTable oxids_;
  PingClient pings_;
  mutable std::mutex mu_;
  std::map<Key, ProxyManager*> managers_;
  std::unordered_set<const IUnknown*> identities_;
};

}  // namespace guise::com
