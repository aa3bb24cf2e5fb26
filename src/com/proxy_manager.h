// proxy_manager.h: the client-side identity of one remote object (MS-DCOM §3.2.4.1.2, §3.2.4.4).
//
// Every OBJREF one apartment of this process unmarshals for the same object (same exporter, same OID)
// ends in the same ProxyManager (each apartment has its own, as on Windows), so COM's identity rules hold: QueryInterface(IID_IUnknown) always gives the same
// pointer, and QueryInterface for an interface already held gives the same interface proxy. It owns
// one generated interface proxy (and its OrpcChannel) per IPID, and the public references the
// exporter granted on each. An IID not held yet is asked for once with IRemUnknown::RemQueryInterface
// (the answer, positive or negative, is kept: a second QueryInterface for it never goes over the
// wire). The manager has one reference count for the whole object; interface proxies forward their
// IUnknown methods to it. When it reaches zero the manager leaves the ProxyTable, stops pinging its
// OID, and returns every reference it holds in one batched RemRelease (queued for the runtime's
// housekeeping thread, so Release never blocks on the network).
//
// Marshaling a proxy for a third party (A hands B's object to C) produces an OBJREF naming the real
// exporter, with one of the references this manager holds (RemAddRef'ing more first when it holds
// only one), so C then calls B directly (§3.2.4.3).
// Thread-safety: every method may be called from any thread; no lock is held during remote calls.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "base/status.h"
#include "com/objref.h"
#include "com/orpc_channel.h"
#include "com/remote_oxid.h"
#include "guise/com_ptr.h"
#include "ndr/proxy_registry.h"

namespace guise::com {

class ClientSide;

class ProxyManager final : public IUnknown {
 public:
  // `apartment_id`: the apartment that unmarshaled it (Apartment::id); its proxies serve only that
  // apartment's threads (others get RPC_E_WRONG_THREAD), as Windows' proxies do.
  ProxyManager(ClientSide& client, std::shared_ptr<RemoteOxid> oxid, Oid oid, bool pinged, std::uint64_t apartment_id);
  ProxyManager(const ProxyManager&) = delete;
  ProxyManager& operator=(const ProxyManager&) = delete;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override;
  // AddRef unless the count already reached zero (the manager is being destroyed).
  bool try_add_ref() noexcept;

  // Takes over the references of an unmarshaled STDOBJREF for `iid` (acquiring 5 with RemAddRef when
  // it carries none, as a table marshal does).
  [[nodiscard]] Status adopt(const IID& iid, const StdObjRef& std);
  // An OBJREF for a third party: the real exporter, one reference of ours.
  [[nodiscard]] Result<ObjRef> marshal_for_third_party(const IID& iid);

  // The channel of the interface proxy this manager holds for `iid`, or null (the hook through which
  // IClientSecurity will set a proxy's blanket).
  OrpcChannel* channel(const IID& iid);
  // The channel of the interface proxy `proxy` points at, or null when it is none of this manager's
  // (its IUnknown, or a local interface such as IClientSecurity: spec R48).
  OrpcChannel* channel_of_proxy(const IUnknown* proxy);
  // IClientSecurity::CopyProxy (spec R49): another interface proxy for the IPID `proxy` stands for,
  // with its own channel at the default blanket, returned with one reference (on the manager: a copy
  // lives as long as the object's proxy manager). E_NOINTERFACE when `proxy` is none of this manager's.
  Result<IUnknown*> copy_proxy(const IUnknown* proxy);
  // For asynchronous calls (call_factory.cpp): whether any interface held has an [async_uuid]
  // (QueryInterface(IID_ICallFactory) succeeds then), and a channel of its own for a call object on
  // `sync_iid`'s IPID, starting with that interface proxy's blanket (E_NOINTERFACE when not held).
  bool has_async_interface();
  Result<std::unique_ptr<OrpcChannel>> call_channel(const IID& sync_iid);

  Oid oid() const noexcept { return oid_; }
  std::uint64_t apartment_id() const noexcept { return apartment_id_; }
  const std::shared_ptr<RemoteOxid>& oxid() const noexcept { return oxid_; }

 private:
  struct Interface {
    IID iid{};
    Ipid ipid{};
    std::uint64_t refs = 0;
    std::unique_ptr<OrpcChannel> channel;
    ndr::ProxyPtr proxy;  // null for IID_IUnknown
  };
  ~ProxyManager() = default;
  Interface* find_locked(const IID& iid);
  Interface* find_ipid_locked(const Ipid& ipid);
  // Adds an interface (or merges references into the one holding the IPID). Fails without a
  // registered proxy for iid; the caller then returns the references.
  Result<Interface*> add_locked(const IID& iid, const Ipid& ipid, std::uint64_t refs);
  Result<Interface*> query_remote(const IID& iid);
  HRESULT acquire_refs(const Ipid& ipid, std::uint32_t count);
  void give_back(const Ipid& ipid, std::uint64_t refs);

  ClientSide& client_;
  std::shared_ptr<RemoteOxid> oxid_;
  Oid oid_;
  bool pinged_;
  std::uint64_t apartment_id_;
  std::atomic<ULONG> refs_{1};
  std::mutex mu_;
  std::vector<std::unique_ptr<Interface>> interfaces_;
  std::vector<std::unique_ptr<Interface>> copies_;  // CopyProxy's proxies: no references of their own
  std::vector<IID> not_supported_;
};

}  // namespace guise::com
