// object_exporter.h: this process's exported objects — the OID, IPID and ping-set tables of
// MS-DCOM §3.1.1.1 — and the reference counting that decides how long each object lives.
//
// Exporting an interface pointer finds or creates the object's stub manager (one per object
// identity, i.e. per IUnknown the object answers QueryInterface(IID_IUnknown) with; one OID) and its
// IPID for the IID (one per interface, reaching the generated stub of that IID). IPIDs and OIDs are
// random (random_ids.h): a peer reaches only what it was given. The stub manager holds one
// reference on the object while anything keeps it exported:
//   - public references: handed out in OBJREFs (5 per MSHLFLAGS_NORMAL marshal, as Windows) and by
//     RemAddRef/RemQueryInterface, returned by RemRelease and in-process unmarshals. They are an
//     aggregate per IPID as MS-DCOM defines them; a release of more than is outstanding is refused
//     whole (E_INVALIDARG for that caller, nothing below zero, nothing of it applied).
//   - private references (RemAddRef cPrivateRefs), counted per peer: only that peer can return them.
//   - table marshals (MSHLFLAGS_TABLESTRONG/TABLEWEAK): until CoReleaseMarshalData.
// Garbage collection (MS-DCOM §3.2.6, §3.1.2.5.1.2-3): clients ping the OIDs they hold in ping sets.
// An OID that no live ping set holds, and no call reached, for ping_settings().rundown_after() — never
// pinged, or its last pinger died — is run down: every remote reference is dropped (table marshals stay). So a killed
// client leaks nothing. When nothing keeps an object exported it leaves every table and the stub
// manager releases it once the calls still running on it have returned.
//
// Apartments (MS-DCOM §3.1.1.1: an OXID identifies an apartment): an object belongs to the apartment
// of the thread that first exported it — an STA thread's STA, else the MTA — and its OBJREFs name that
// apartment's OXID. The MTA has the exporter's own OXID; each STA gets its own OXID (and IRemUnknown
// IPID) the first time it exports, until it closes: apartment_closed() then disconnects every object
// that lived there and forgets the OXID. IRemUnknown queries only reach objects of the apartment the
// call runs in, so QueryInterface on an STA object always runs on its thread; an STA object's last
// release, when it happens elsewhere (a rundown, a release through another apartment), is posted to
// its thread (or done where it is once the STA is gone).
// Per-peer bounds (limits.h): objects exported while serving a peer's call, ping sets per peer, OIDs
// per set, IIDs per query. Thread-safety: every member may be called from any thread; one mutex
// guards the tables and is never held while user code (QueryInterface, Release) runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "com/apartment.h"
#include "com/limits.h"
#include "com/objref.h"
#include "com/peer.h"
#include "guise/com_ptr.h"
#include "guise/objidl.h"
#include "ndr/proxy_registry.h"

namespace guise::com {

enum class MarshalKind : std::uint8_t { kNormal, kTableStrong, kTableWeak };

// Public references one NORMAL marshal (and one remote QueryInterface by a guise client) grants.
inline constexpr std::uint32_t kRefsPerMarshal = 5;

struct ExportedInterface {
  Ipid ipid{};
  IID iid{};
  IUnknown* pointer = nullptr;               // QueryInterface(iid) result; released with the stub manager
  const ndr::ProxyStubEntry* stub = nullptr;  // null for IID_IUnknown (no callable methods)
  // Under the exporter's mutex:
  std::uint64_t public_refs = 0;
  std::map<PeerKey, std::uint64_t> private_refs;
};

class StubManager;

// What a call on an IPID reaches; holds the stub manager (and so the object) for the call.
struct DispatchTarget {
  std::shared_ptr<StubManager> owner;
  ExportedInterface* itf = nullptr;  // its pointer, iid and stub never change; counts are the exporter's
  // The STA the object lives in (its calls run on that thread); null for the MTA.
  std::shared_ptr<Apartment> sta;
};

// One RemQueryInterface answer.
struct QueryResult {
  HRESULT hr = E_NOINTERFACE;
  StdObjRef std;
};

class ObjectExporter {
 public:
  using Clock = std::chrono::steady_clock;

  ObjectExporter(Oxid oxid, ComLimits limits);
  ~ObjectExporter();
  ObjectExporter(const ObjectExporter&) = delete;
  ObjectExporter& operator=(const ObjectExporter&) = delete;

  // The MTA's OXID.
  Oxid oxid() const noexcept { return oxid_; }
  // Whether `oxid` is one of this process's apartments (the MTA or a live STA).
  bool owns_oxid(Oxid oxid) const;
  // Whether `oxid` is the calling thread's apartment: an OBJREF for it unmarshals to the object itself;
  // any other of ours needs a proxy (calls then go to the object's apartment).
  bool is_current_apartment(Oxid oxid) const;
  // ResolveOxid2: the IRemUnknown IPID of apartment `oxid`, or nullopt when it is not ours (or closed).
  std::optional<Ipid> rem_unknown_of(Oxid oxid) const;
  // The STA `apartment_id` closed: its objects are disconnected (released here, on its thread) and its
  // OXID forgotten. Calls still queued for it were faulted when its queue closed.
  void apartment_closed(std::uint64_t apartment_id);

  // Exports `object` as `iid` for a marshal of `kind` made on behalf of `peer`. Errors:
  // E_NOINTERFACE (object lacks iid), REGDB_E_IIDNOTREG (no proxy/stub for iid), E_OUTOFMEMORY
  // (peer over its share of exported objects).
  [[nodiscard]] Result<StdObjRef> export_interface(IUnknown* object, const IID& iid, MarshalKind kind,
                                                   const PeerKey& peer);

  // Registers the MTA's IRemUnknown object under `ipid` (never reference counted or run down); each
  // STA's OXID gets the same object under an IPID of its own, dispatched in that STA.
  void add_rem_unknown(const Ipid& ipid, IUnknown* rem_unknown, const ndr::ProxyStubEntry* stub);

  // The interface a call on `ipid` reaches, or nullopt (unknown, disconnected or run down). A call
  // also restarts the OID's grace period, as a ping would.
  std::optional<DispatchTarget> find(const Ipid& ipid);

  // The object behind an OBJREF this process exported (in-process unmarshal), QueryInterface'd to
  // `iid`; a NORMAL OBJREF's references are consumed. CO_E_OBJNOTCONNECTED if it is gone.
  [[nodiscard]] Result<ComPtr<IUnknown>> unmarshal_local(const StdObjRef& std, const IID& iid);
  // CoReleaseMarshalData for an OBJREF of ours: returns its references, or ends its table marshal.
  [[nodiscard]] Status release_marshal_data(const StdObjRef& std);
  // CoDisconnectObject: drops every reference and table marshal of object's identity.
  void disconnect(IUnknown* object);

  // IRemUnknown(2), on behalf of `peer`.
  [[nodiscard]] Status query_interface(const PeerKey& peer, const Ipid& ipid, std::uint32_t refs,
                                       std::span<const IID> iids, std::vector<QueryResult>& out);
  // Per-entry HRESULTs in `results`; the call's HRESULT is S_OK or the first failure.
  HRESULT add_refs(const PeerKey& peer, std::span<const InterfaceRefs> refs, std::vector<HRESULT>& results);
  HRESULT release_refs(const PeerKey& peer, std::span<const InterfaceRefs> refs);

  // IObjectExporter pinging (MS-DCOM §3.1.2.5.1.2-3), on behalf of `peer`. Win32 error codes:
  // 0, OR_INVALID_SET, OR_INVALID_OID (an added OID is not ours: the others are still added),
  // ERROR_ACCESS_DENIED (a set owned by another peer), ERROR_NOT_ENOUGH_MEMORY (bounds).
  std::uint32_t complex_ping(const PeerKey& peer, std::uint64_t& set_id, std::span<const Oid> add,
                             std::span<const Oid> del);
  std::uint32_t simple_ping(const PeerKey& peer, std::uint64_t set_id);

  // Expires ping sets not pinged for `rundown_after` and runs down OIDs no live set has held for as
  // long. Returns the number of objects run down. Called periodically by the runtime.
  std::size_t collect_garbage(Clock::time_point now, Clock::duration rundown_after);

  // Diagnostics and tests.
  std::size_t object_count() const;
  // Introspection (introspection.h): the exported interfaces, at most `max` of them; `total` gets how
  // many there are.
  struct ExportedRow {
    Oxid oxid = 0;
    Oid oid = 0;
    Ipid ipid{};
    IID iid{};
    const char* interface_name = "IUnknown";  // the stub's name (static storage)
    std::uint64_t public_refs = 0;
    bool system = false;  // the runtime's own (IRemUnknown)
  };
  std::vector<ExportedRow> exported_interfaces(std::size_t max, std::size_t& total) const;
  bool is_exported(IUnknown* object) const;

 private:
  struct PingSet;
  std::shared_ptr<StubManager> find_by_identity_locked(IUnknown* identity) const;
  // Removes `owner` from every table if nothing keeps it exported; returns it for the caller to drop
  // outside the lock.
  std::shared_ptr<StubManager> remove_if_unreferenced_locked(const std::shared_ptr<StubManager>& owner);
  std::shared_ptr<StubManager> remove_locked(const std::shared_ptr<StubManager>& owner);
  Result<ExportedInterface*> interface_for(const std::shared_ptr<StubManager>& owner, const IID& iid);
  // The OXID for objects the calling thread exports now (made for its STA on first use).
  Result<std::pair<Oxid, std::shared_ptr<Apartment>>> export_apartment_locked();
  // Drops stub managers that left the tables: an STA object's last release goes to its thread.
  static void release_in_apartment(std::vector<std::shared_ptr<StubManager>> dropped);
  static void release_in_apartment(std::shared_ptr<StubManager> dropped);

  struct StaExport {
    Oxid oxid = 0;
    Ipid rem_unknown{};
    std::shared_ptr<Apartment> apartment;
  };

  const Oxid oxid_;
  const ComLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<IUnknown*, std::shared_ptr<StubManager>> by_identity_;
  std::unordered_map<Oid, std::shared_ptr<StubManager>> by_oid_;
  std::unordered_map<Ipid, DispatchTarget, GuidHash> by_ipid_;
  std::map<PeerKey, std::uint32_t> objects_per_peer_;
  std::unordered_map<std::uint64_t, std::unique_ptr<PingSet>> ping_sets_;
  std::map<PeerKey, std::uint32_t> ping_sets_per_peer_;
  Ipid rem_unknown_ipid_{};
  IUnknown* rem_unknown_ = nullptr;  // held by its system stub manager
  const ndr::ProxyStubEntry* rem_unknown_stub_ = nullptr;
  std::unordered_map<std::uint64_t, StaExport> sta_exports_;  // by apartment id
  std::unordered_map<Oxid, std::uint64_t> sta_by_oxid_;
};

}  // namespace guise::com
