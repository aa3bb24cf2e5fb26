#include "com/object_exporter.h"

#include <algorithm>

#include "base/hresult_map.h"
#include "base/log.h"
#include "com/random_ids.h"
#include "com/security_settings.h"

namespace guise::com {

// Win32 codes IObjectExporter returns (winerror.h).
inline constexpr std::uint32_t kErrorAccessDenied = 5;
inline constexpr std::uint32_t kErrorNotEnoughMemory = 8;
inline constexpr std::uint32_t kOrInvalidOid = 1911;
inline constexpr std::uint32_t kOrInvalidSet = 1914;

class StubManager {
 public:
  StubManager(Oid oid, ComPtr<IUnknown> identity, PeerKey exported_for, bool system, Oxid oxid,
              std::shared_ptr<Apartment> sta)
      : oid_(oid),
        identity_(std::move(identity)),
        exported_for_(std::move(exported_for)),
        system_(system),
        oxid_(oxid),
        sta_(std::move(sta)) {}
  ~StubManager() {
    for (auto& itf : interfaces_) {
      if (itf->pointer != nullptr) itf->pointer->Release();
    }
  }

  Oid oid() const noexcept { return oid_; }
  IUnknown* identity() const noexcept { return identity_.Get(); }
  const PeerKey& exported_for() const noexcept { return exported_for_; }
  bool system() const noexcept { return system_; }
  Oxid oxid() const noexcept { return oxid_; }
  // The STA the object lives in; null: the MTA.
  const std::shared_ptr<Apartment>& sta() const noexcept { return sta_; }
  // Whether the calling thread is in the object's apartment.
  bool in_current_apartment() const noexcept {
    Apartment* current = current_apartment();
    return sta_ ? current == sta_.get() : current == nullptr || current->kind() == ApartmentKind::kMta;
  }

  // Under the exporter's mutex:
  std::vector<std::unique_ptr<ExportedInterface>> interfaces_;
  std::uint64_t table_marshals_ = 0;
  std::uint32_t ping_sets_ = 0;  // live ping sets holding this OID
  ObjectExporter::Clock::time_point unpinged_since_ = ObjectExporter::Clock::now();
  bool removed_ = false;

  ExportedInterface* find(const IID& iid) const {
    for (const auto& itf : interfaces_) {
      if (itf->iid == iid) return itf.get();
    }
    return nullptr;
  }
  bool has_remote_refs() const {
    for (const auto& itf : interfaces_) {
      if (itf->public_refs > 0 || !itf->private_refs.empty()) return true;
    }
    return false;
  }

 private:
  Oid oid_;
  ComPtr<IUnknown> identity_;
  PeerKey exported_for_;
  bool system_;
  Oxid oxid_;
  std::shared_ptr<Apartment> sta_;
};

struct ObjectExporter::PingSet {
  PeerKey owner;
  std::vector<Oid> oids;  // sorted, unique
  Clock::time_point last_ping;
};

namespace {

ComPtr<IUnknown> identity_of(IUnknown* object) {
  ComPtr<IUnknown> identity;
  if (object == nullptr || FAILED(object->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(identity.GetAddressOf())))) {
    return {};
  }
  return identity;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b, std::uint64_t cap) { return std::min(cap, a + b); }

}  // namespace

ObjectExporter::ObjectExporter(Oxid oxid, ComLimits limits) : oxid_(oxid), limits_(limits) {}

ObjectExporter::~ObjectExporter() = default;

std::shared_ptr<StubManager> ObjectExporter::find_by_identity_locked(IUnknown* identity) const {
  auto it = by_identity_.find(identity);
  return it == by_identity_.end() ? nullptr : it->second;
}

Result<ExportedInterface*> ObjectExporter::interface_for(const std::shared_ptr<StubManager>& owner, const IID& iid) {
  {
    std::lock_guard lock(mu_);
    if (ExportedInterface* existing = owner->find(iid)) return existing;
  }
  const ndr::ProxyStubEntry* stub = nullptr;
  if (iid != IID_IUnknown) {
    stub = ndr::ProxyStubRegistry::instance().find(iid);
    if (stub == nullptr) {
      return Status(StatusCode::kNotFound, "com: no proxy/stub is registered for the interface", REGDB_E_IIDNOTREG);
    }
  }
  IUnknown* pointer = nullptr;
  // User code: never under the mutex.
  if (FAILED(owner->identity()->QueryInterface(iid, reinterpret_cast<void**>(&pointer))) || pointer == nullptr) {
    return Status(StatusCode::kNotFound, "com: the object does not implement the interface", E_NOINTERFACE);
  }
  auto itf = std::make_unique<ExportedInterface>();
  itf->ipid = random_guid();
  itf->iid = iid;
  itf->pointer = pointer;
  itf->stub = stub;
  ExportedInterface* result = nullptr;
  bool disconnected = false;
  {
    std::lock_guard lock(mu_);
    if (ExportedInterface* raced = owner->find(iid)) {
      result = raced;
    } else if (owner->removed_) {
      disconnected = true;
    } else {
      result = itf.get();
      owner->interfaces_.push_back(std::move(itf));
      by_ipid_.emplace(result->ipid, DispatchTarget{owner, result, owner->sta()});
    }
  }
  if (itf) pointer->Release();  // ours was not kept (user code: outside the mutex)
  if (disconnected) return Status(StatusCode::kUnavailable, "com: the object was disconnected", CO_E_OBJNOTCONNECTED);
  return result;
}

Result<StdObjRef> ObjectExporter::export_interface(IUnknown* object, const IID& iid, MarshalKind kind,
                                                   const PeerKey& peer) {
  freeze_security_policy();  // exporting a stub: CoInitializeSecurity is too late from now on (R36)
  ComPtr<IUnknown> identity = identity_of(object);
  if (!identity) return Status(StatusCode::kNotFound, "com: QueryInterface(IID_IUnknown) failed", E_NOINTERFACE);
  std::shared_ptr<StubManager> owner;
  {
    std::lock_guard lock(mu_);
    owner = find_by_identity_locked(identity.Get());
    if (!owner) {
      GUISE_TRY(auto home, export_apartment_locked());
      if (peer.kind != PeerKey::Kind::kSelf && objects_per_peer_[peer] >= limits_.max_objects_per_peer) {
        log::warn("com: {} holds {} exported objects, its limit; refusing another", peer.describe(),
                  objects_per_peer_[peer]);
        return Status(StatusCode::kResourceExhausted, "com: peer over its share of exported objects", E_OUTOFMEMORY);
      }
      Oid oid = random_id64();
      while (by_oid_.contains(oid)) oid = random_id64();
      owner = std::make_shared<StubManager>(oid, identity, peer, false, home.first, std::move(home.second));
      by_identity_.emplace(identity.Get(), owner);
      by_oid_.emplace(oid, owner);
      if (peer.kind != PeerKey::Kind::kSelf) ++objects_per_peer_[peer];
    }
    // Holds the object exported while the interface is looked up (QueryInterface runs unlocked).
    ++owner->table_marshals_;
  }
  auto itf = interface_for(owner, iid);
  std::shared_ptr<StubManager> dropped;
  StdObjRef std;
  {
    std::lock_guard lock(mu_);
    --owner->table_marshals_;
    if (itf.ok()) {
      std.flags = 0;
      std.oxid = owner->oxid();
      std.oid = owner->oid();
      std.ipid = (*itf)->ipid;
      if (kind == MarshalKind::kNormal) {
        std.public_refs = kRefsPerMarshal;
        (*itf)->public_refs = saturating_add((*itf)->public_refs, kRefsPerMarshal, limits_.max_public_refs_per_ipid);
      } else {
        std.public_refs = 0;  // table marshals carry no references; unmarshalers acquire their own
        ++owner->table_marshals_;
      }
      // A new OBJREF is in transit: its OID gets a full grace period before it must be pinged.
      owner->unpinged_since_ = Clock::now();
    } else {
      dropped = remove_if_unreferenced_locked(owner);
    }
  }
  release_in_apartment(std::move(dropped));  // outside the lock: may Release the object
  if (!itf.ok()) return std::move(itf).status();
  return std;
}

void ObjectExporter::add_rem_unknown(const Ipid& ipid, IUnknown* rem_unknown, const ndr::ProxyStubEntry* stub) {
  rem_unknown->AddRef();
  auto owner = std::make_shared<StubManager>(0, ComPtr<IUnknown>(rem_unknown), PeerKey::self(), true, oxid_, nullptr);
  auto itf = std::make_unique<ExportedInterface>();
  itf->ipid = ipid;
  itf->iid = stub->iid;
  itf->pointer = rem_unknown;  // the reference taken above
  itf->stub = stub;
  std::lock_guard lock(mu_);
  ExportedInterface* raw = itf.get();
  owner->interfaces_.push_back(std::move(itf));
  by_ipid_.emplace(ipid, DispatchTarget{owner, raw, nullptr});
  rem_unknown_ipid_ = ipid;
  rem_unknown_ = rem_unknown;
  rem_unknown_stub_ = stub;
}

Result<std::pair<Oxid, std::shared_ptr<Apartment>>> ObjectExporter::export_apartment_locked() {
  Apartment* current = current_apartment();
  if (current == nullptr || current->kind() == ApartmentKind::kMta) return std::pair{oxid_, std::shared_ptr<Apartment>()};
  if (auto it = sta_exports_.find(current->id()); it != sta_exports_.end()) {
    return std::pair{it->second.oxid, it->second.apartment};
  }
  if (current->closed() || rem_unknown_ == nullptr) {
    return Status(StatusCode::kFailedPrecondition, "com: the apartment is closing", CO_E_NOTINITIALIZED);
  }
  StaExport sta;
  sta.oxid = random_id64();
  while (sta.oxid == oxid_ || sta_by_oxid_.contains(sta.oxid)) sta.oxid = random_id64();
  sta.rem_unknown = random_guid();
  sta.apartment = current->shared();
  // The STA's own IRemUnknown: the process's object under an IPID dispatched on the STA's thread.
  rem_unknown_->AddRef();
  auto owner = std::make_shared<StubManager>(0, ComPtr<IUnknown>(rem_unknown_), PeerKey::self(), true, sta.oxid,
                                             sta.apartment);
  auto itf = std::make_unique<ExportedInterface>();
  itf->ipid = sta.rem_unknown;
  itf->iid = rem_unknown_stub_->iid;
  itf->pointer = rem_unknown_;  // the reference taken above
  itf->stub = rem_unknown_stub_;
  ExportedInterface* raw = itf.get();
  owner->interfaces_.push_back(std::move(itf));
  by_ipid_.emplace(sta.rem_unknown, DispatchTarget{owner, raw, sta.apartment});
  sta_by_oxid_.emplace(sta.oxid, current->id());
  auto result = std::pair{sta.oxid, sta.apartment};
  sta_exports_.emplace(current->id(), std::move(sta));
  log::debug("com: STA {} exports as OXID {:016x}", current->id(), result.first);
  return result;
}

bool ObjectExporter::owns_oxid(Oxid oxid) const {
  if (oxid == oxid_) return true;
  std::lock_guard lock(mu_);
  return sta_by_oxid_.contains(oxid);
}

bool ObjectExporter::is_current_apartment(Oxid oxid) const {
  Apartment* current = current_apartment();
  if (oxid == oxid_) return current == nullptr || current->kind() == ApartmentKind::kMta;
  if (current == nullptr) return false;
  std::lock_guard lock(mu_);
  auto it = sta_by_oxid_.find(oxid);
  return it != sta_by_oxid_.end() && it->second == current->id();
}

std::optional<Ipid> ObjectExporter::rem_unknown_of(Oxid oxid) const {
  std::lock_guard lock(mu_);
  if (oxid == oxid_) return rem_unknown_ipid_;
  auto it = sta_by_oxid_.find(oxid);
  if (it == sta_by_oxid_.end()) return std::nullopt;
  return sta_exports_.at(it->second).rem_unknown;
}

void ObjectExporter::apartment_closed(std::uint64_t apartment_id) {
  std::vector<std::shared_ptr<StubManager>> dropped;
  {
    std::lock_guard lock(mu_);
    auto sta = sta_exports_.find(apartment_id);
    if (sta == sta_exports_.end()) return;
    std::vector<std::shared_ptr<StubManager>> living;
    for (const auto& [oid, owner] : by_oid_) {
      if (owner->sta() == sta->second.apartment) living.push_back(owner);
    }
    for (const auto& owner : living) {
      if (auto gone = remove_locked(owner)) dropped.push_back(std::move(gone));
    }
    if (auto it = by_ipid_.find(sta->second.rem_unknown); it != by_ipid_.end()) {
      dropped.push_back(it->second.owner);  // the system entry: leaves by_ipid_ only
      by_ipid_.erase(it);
    }
    sta_by_oxid_.erase(sta->second.oxid);
    log::debug("com: STA {} closed: OXID {:016x} and {} object(s) disconnected", apartment_id, sta->second.oxid,
               dropped.size() - 1);
    sta_exports_.erase(sta);
  }
  dropped.clear();  // on the STA's own thread: the objects' last Release runs where they lived
}

void ObjectExporter::release_in_apartment(std::shared_ptr<StubManager> dropped) {
  if (!dropped) return;
  if (dropped->sta() && !dropped->sta()->is_current() && !dropped->sta()->closed()) {
    std::shared_ptr<Apartment> sta = dropped->sta();
    // A failed post destroys the work here, which releases the object here: its apartment is gone.
    (void)sta->post([keep = std::move(dropped)] {});
    return;
  }
  dropped.reset();
}

void ObjectExporter::release_in_apartment(std::vector<std::shared_ptr<StubManager>> dropped) {
  for (auto& owner : dropped) release_in_apartment(std::move(owner));
}

std::optional<DispatchTarget> ObjectExporter::find(const Ipid& ipid) {
  std::lock_guard lock(mu_);
  auto it = by_ipid_.find(ipid);
  if (it == by_ipid_.end()) return std::nullopt;
  // A call is as good a sign of a live client as a ping: an object in use is not run down between the
  // unmarshal and the client's first ping, however slow that client is.
  it->second.owner->unpinged_since_ = Clock::now();
  return it->second;
}

std::shared_ptr<StubManager> ObjectExporter::remove_locked(const std::shared_ptr<StubManager>& owner) {
  if (owner->removed_ || owner->system()) return nullptr;
  owner->removed_ = true;
  for (const auto& itf : owner->interfaces_) by_ipid_.erase(itf->ipid);
  by_oid_.erase(owner->oid());
  by_identity_.erase(owner->identity());
  if (owner->exported_for().kind != PeerKey::Kind::kSelf) {
    auto it = objects_per_peer_.find(owner->exported_for());
    if (it != objects_per_peer_.end() && --it->second == 0) objects_per_peer_.erase(it);
  }
  return owner;
}

std::shared_ptr<StubManager> ObjectExporter::remove_if_unreferenced_locked(const std::shared_ptr<StubManager>& owner) {
  if (owner->system() || owner->table_marshals_ > 0 || owner->has_remote_refs()) return nullptr;
  return remove_locked(owner);
}

Result<ComPtr<IUnknown>> ObjectExporter::unmarshal_local(const StdObjRef& std, const IID& iid) {
  std::shared_ptr<StubManager> owner;
  {
    std::lock_guard lock(mu_);
    auto it = by_ipid_.find(std.ipid);
    if (it == by_ipid_.end() || it->second.owner->oxid() != std.oxid || it->second.owner->oid() != std.oid ||
        it->second.owner->system()) {
      return Status(StatusCode::kUnavailable, "com: the object of this OBJREF is no longer exported", CO_E_OBJNOTCONNECTED);
    }
    owner = it->second.owner;
  }
  ComPtr<IUnknown> result;
  const HRESULT hr = owner->identity()->QueryInterface(iid, reinterpret_cast<void**>(result.GetAddressOf()));
  std::shared_ptr<StubManager> dropped;
  if (std.public_refs > 0) {
    std::lock_guard lock(mu_);
    for (const auto& itf : owner->interfaces_) {
      if (itf->ipid == std.ipid) itf->public_refs -= std::min<std::uint64_t>(itf->public_refs, std.public_refs);
    }
    dropped = remove_if_unreferenced_locked(owner);
  }
  release_in_apartment(std::move(dropped));
  if (FAILED(hr) || !result) return Status(StatusCode::kNotFound, "com: QueryInterface failed", FAILED(hr) ? hr : E_NOINTERFACE);
  return result;
}

Status ObjectExporter::release_marshal_data(const StdObjRef& std) {
  std::shared_ptr<StubManager> dropped;
  {
    std::lock_guard lock(mu_);
    auto it = by_ipid_.find(std.ipid);
    if (it == by_ipid_.end() || it->second.owner->oxid() != std.oxid || it->second.owner->oid() != std.oid ||
        it->second.owner->system()) {
      return Status(StatusCode::kUnavailable, "com: the object of this OBJREF is no longer exported", CO_E_OBJNOTCONNECTED);
    }
    auto owner = it->second.owner;
    if (std.public_refs > 0) {
      for (const auto& itf : owner->interfaces_) {
        if (itf->ipid == std.ipid) itf->public_refs -= std::min<std::uint64_t>(itf->public_refs, std.public_refs);
      }
    } else if (owner->table_marshals_ > 0) {
      --owner->table_marshals_;
    }
    dropped = remove_if_unreferenced_locked(owner);
  }
  release_in_apartment(std::move(dropped));
  return Status::Ok();
}

void ObjectExporter::disconnect(IUnknown* object) {
  ComPtr<IUnknown> identity = identity_of(object);
  if (!identity) return;
  std::shared_ptr<StubManager> dropped;
  {
    std::lock_guard lock(mu_);
    if (auto owner = find_by_identity_locked(identity.Get())) dropped = remove_locked(owner);
  }
  release_in_apartment(std::move(dropped));
}

Status ObjectExporter::query_interface(const PeerKey& peer, const Ipid& ipid, std::uint32_t refs,
                                       std::span<const IID> iids, std::vector<QueryResult>& out) {
  out.clear();
  if (iids.size() > limits_.max_iids_per_query) {
    return Status(StatusCode::kResourceExhausted, "com: too many IIDs in one RemQueryInterface", E_INVALIDARG);
  }
  std::shared_ptr<StubManager> owner;
  {
    std::lock_guard lock(mu_);
    auto it = by_ipid_.find(ipid);
    if (it == by_ipid_.end() || it->second.owner->system()) {
      return Status(StatusCode::kUnavailable, "com: RemQueryInterface on an unknown IPID", RPC_E_INVALID_IPID);
    }
    owner = it->second.owner;
    // QueryInterface runs in the object's apartment: a query through another apartment's
    // IRemUnknown is refused (a guise client asks the OXID the OBJREF named).
    if (!owner->in_current_apartment()) {
      return Status(StatusCode::kInvalidInput, "com: RemQueryInterface through another apartment's IRemUnknown",
                    RPC_E_INVALID_IPID);
    }
    ++owner->table_marshals_;  // keeps it while QueryInterface runs unlocked
  }
  (void)peer;
  for (const IID& iid : iids) {
    QueryResult result;
    auto itf = interface_for(owner, iid);
    if (itf.ok()) {
      std::lock_guard lock(mu_);
      (*itf)->public_refs = saturating_add((*itf)->public_refs, refs, limits_.max_public_refs_per_ipid);
      result.hr = S_OK;
      result.std = {0, refs, owner->oxid(), owner->oid(), (*itf)->ipid};
    } else {
      result.hr = status_to_hresult(itf.status()) == REGDB_E_IIDNOTREG ? E_NOINTERFACE : status_to_hresult(itf.status());
    }
    out.push_back(result);
  }
  std::shared_ptr<StubManager> dropped;
  {
    std::lock_guard lock(mu_);
    --owner->table_marshals_;
    owner->unpinged_since_ = Clock::now();
    dropped = remove_if_unreferenced_locked(owner);
  }
  release_in_apartment(std::move(dropped));
  return Status::Ok();
}

HRESULT ObjectExporter::add_refs(const PeerKey& peer, std::span<const InterfaceRefs> refs,
                                 std::vector<HRESULT>& results) {
  results.assign(refs.size(), S_OK);
  HRESULT overall = S_OK;
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    auto it = by_ipid_.find(refs[i].ipid);
    if (it == by_ipid_.end() || it->second.owner->system()) {
      results[i] = CO_E_OBJNOTCONNECTED;
      if (overall == S_OK) overall = CO_E_OBJNOTCONNECTED;
      continue;
    }
    ExportedInterface* itf = it->second.itf;
    itf->public_refs = saturating_add(itf->public_refs, refs[i].public_refs, limits_.max_public_refs_per_ipid);
    if (refs[i].private_refs > 0) {
      auto& mine = itf->private_refs[peer];
      mine = saturating_add(mine, refs[i].private_refs, limits_.max_public_refs_per_ipid);
    }
  }
  return overall;
}

HRESULT ObjectExporter::release_refs(const PeerKey& peer, std::span<const InterfaceRefs> refs) {
  HRESULT overall = S_OK;
  std::vector<std::shared_ptr<StubManager>> dropped;
  {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<StubManager>> touched;
    for (const auto& entry : refs) {
      auto it = by_ipid_.find(entry.ipid);
      if (it == by_ipid_.end() || it->second.owner->system()) {
        // Releases may race a rundown or a disconnect; the caller's references are gone either way.
        continue;
      }
      ExportedInterface* itf = it->second.itf;
      auto mine = itf->private_refs.find(peer);
      const std::uint64_t private_held = mine == itf->private_refs.end() ? 0 : mine->second;
      // An entry asking to release more than is outstanding (public), or more than this peer holds
      // (private), is refused whole: nothing goes below zero and nothing of it is applied.
      if (entry.public_refs > itf->public_refs || entry.private_refs > private_held) {
        log::warn("com: {} released {}+{} references on an interface holding {}+{}; refused", peer.describe(),
                  entry.public_refs, entry.private_refs, itf->public_refs, private_held);
        overall = E_INVALIDARG;
        continue;
      }
      itf->public_refs -= entry.public_refs;
      if (entry.private_refs > 0) {
        mine->second -= entry.private_refs;
        if (mine->second == 0) itf->private_refs.erase(mine);
      }
      touched.push_back(it->second.owner);
    }
    for (const auto& owner : touched) {
      if (auto gone = remove_if_unreferenced_locked(owner)) dropped.push_back(std::move(gone));
    }
  }
  release_in_apartment(std::move(dropped));  // outside the lock: releases the objects
  return overall;
}

std::uint32_t ObjectExporter::complex_ping(const PeerKey& peer, std::uint64_t& set_id, std::span<const Oid> add,
                                           std::span<const Oid> del) {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  PingSet* set = nullptr;
  if (set_id == 0) {
    auto& count = ping_sets_per_peer_[peer];
    if (count >= limits_.max_ping_sets_per_peer) {
      log::warn("com: {} owns {} ping sets, its limit; refusing another", peer.describe(), count);
      return kErrorNotEnoughMemory;
    }
    std::uint64_t id = random_id64();
    while (ping_sets_.contains(id)) id = random_id64();
    auto fresh = std::make_unique<PingSet>();
    fresh->owner = peer;
    set = fresh.get();
    ping_sets_.emplace(id, std::move(fresh));
    ++count;
    set_id = id;
  } else {
    auto it = ping_sets_.find(set_id);
    if (it == ping_sets_.end()) return kOrInvalidSet;
    if (it->second->owner != peer) {
      log::warn("com: {} pinged a ping set it does not own", peer.describe());
      return kErrorAccessDenied;
    }
    set = it->second.get();
  }
  set->last_ping = now;
  std::uint32_t result = 0;
  for (Oid oid : del) {
    auto pos = std::lower_bound(set->oids.begin(), set->oids.end(), oid);
    if (pos == set->oids.end() || *pos != oid) continue;  // unknown OIDs in DelFromSet are ignored (impacket)
    set->oids.erase(pos);
    if (auto it = by_oid_.find(oid); it != by_oid_.end() && it->second->ping_sets_ > 0) {
      if (--it->second->ping_sets_ == 0) it->second->unpinged_since_ = now;
    }
  }
  for (Oid oid : add) {
    auto it = by_oid_.find(oid);
    if (it == by_oid_.end()) {
      result = kOrInvalidOid;  // forged, or run down already: nothing is added for it
      continue;
    }
    auto pos = std::lower_bound(set->oids.begin(), set->oids.end(), oid);
    if (pos != set->oids.end() && *pos == oid) continue;
    if (set->oids.size() >= limits_.max_oids_per_ping_set) return kErrorNotEnoughMemory;
    set->oids.insert(pos, oid);
    ++it->second->ping_sets_;
  }
  return result;
}

std::uint32_t ObjectExporter::simple_ping(const PeerKey& peer, std::uint64_t set_id) {
  std::lock_guard lock(mu_);
  auto it = ping_sets_.find(set_id);
  if (it == ping_sets_.end()) return kOrInvalidSet;
  if (it->second->owner != peer) return kErrorAccessDenied;
  it->second->last_ping = Clock::now();
  return 0;
}

std::size_t ObjectExporter::collect_garbage(Clock::time_point now, Clock::duration rundown_after) {
  std::vector<std::shared_ptr<StubManager>> dropped;
  {
    std::lock_guard lock(mu_);
    for (auto it = ping_sets_.begin(); it != ping_sets_.end();) {
      PingSet& set = *it->second;
      if (now - set.last_ping <= rundown_after) {
        ++it;
        continue;
      }
      log::debug("com: ping set of {} expired ({} OIDs)", set.owner.describe(), set.oids.size());
      for (Oid oid : set.oids) {
        if (auto owner = by_oid_.find(oid); owner != by_oid_.end() && owner->second->ping_sets_ > 0) {
          if (--owner->second->ping_sets_ == 0) owner->second->unpinged_since_ = now - rundown_after;
        }
      }
      if (auto count = ping_sets_per_peer_.find(set.owner); count != ping_sets_per_peer_.end() && --count->second == 0) {
        ping_sets_per_peer_.erase(count);
      }
      it = ping_sets_.erase(it);
    }
    std::vector<std::shared_ptr<StubManager>> expired;
    for (const auto& [oid, owner] : by_oid_) {
      if (owner->ping_sets_ == 0 && owner->has_remote_refs() && now - owner->unpinged_since_ >= rundown_after) {
        expired.push_back(owner);
      }
    }
    for (const auto& owner : expired) {
      log::debug("com: running down OID {:016x}: no client pinged it", owner->oid());
      for (auto& itf : owner->interfaces_) {
        itf->public_refs = 0;
        itf->private_refs.clear();
      }
      if (auto gone = remove_if_unreferenced_locked(owner)) dropped.push_back(std::move(gone));
    }
  }
  const std::size_t count = dropped.size();
  release_in_apartment(std::move(dropped));
  return count;
}

std::size_t ObjectExporter::object_count() const {
  std::lock_guard lock(mu_);
  return by_oid_.size();
}

std::vector<ObjectExporter::ExportedRow> ObjectExporter::exported_interfaces(std::size_t max, std::size_t& total) const {
  std::vector<ExportedRow> rows;
  std::lock_guard lock(mu_);
  total = by_ipid_.size();
  rows.reserve(std::min(max, total));
  for (const auto& [ipid, target] : by_ipid_) {
    if (rows.size() >= max) break;
    ExportedRow row;
    row.oxid = target.owner->oxid();
    row.oid = target.owner->oid();
    row.ipid = ipid;
    row.iid = target.itf->iid;
    if (target.itf->stub != nullptr) row.interface_name = target.itf->stub->name;
    row.public_refs = target.itf->public_refs;
    row.system = target.owner->system();
    rows.push_back(row);
  }
  return rows;
}

bool ObjectExporter::is_exported(IUnknown* object) const {
  ComPtr<IUnknown> identity = identity_of(object);
  std::lock_guard lock(mu_);
  return identity && by_identity_.contains(identity.Get());
}

}  // namespace guise::com
