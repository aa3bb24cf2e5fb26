#include "com/client_side.h"

#include "base/log.h"
#include "com/apartment.h"
#include "com/security_settings.h"

namespace guise::com {

ClientSide::ClientSide(ComLimits limits, ndr::InterfaceMarshaler& marshaler, std::function<void()> wake_housekeeper)
    : limits_(limits),
      marshaler_(marshaler),
      oxids_(connections_, limits),
      pings_(limits, std::move(wake_housekeeper)) {}

ClientSide::~ClientSide() = default;

Result<ComPtr<IUnknown>> ClientSide::unmarshal(const ObjRef& objref, const IID& iid,
                                               std::optional<uid_t> expected_server) {
  freeze_security_policy();  // making a proxy: CoInitializeSecurity is too late from now on (R36)
  GUISE_TRY(std::shared_ptr<RemoteOxid> oxid, oxids_.resolve(objref.std.oxid, objref.resolver, expected_server));
  const bool pinged = (objref.std.flags & kSorfNoPing) == 0;
  const Apartment* apartment = current_apartment();
  const std::uint64_t apartment_id = apartment != nullptr ? apartment->id() : 0;
  const Key key{oxid.get(), objref.std.oid, apartment_id};
  ComPtr<ProxyManager> manager;
  bool created = false;
  {
    std::lock_guard lock(mu_);
    auto it = managers_.find(key);
    if (it != managers_.end() && it->second->try_add_ref()) {
      manager.Attach(it->second);
    } else {
      auto* fresh = new ProxyManager(*this, oxid, objref.std.oid, pinged, apartment_id);  // one reference: ours
      manager.Attach(fresh);
      managers_[key] = fresh;
      identities_.insert(static_cast<IUnknown*>(fresh));
      created = true;
    }
  }
  if (created && pinged) pings_.hold(oxid, objref.std.oid);
  GUISE_RETURN_IF_ERROR(manager->adopt(objref.iid, objref.std));
  ComPtr<IUnknown> result;
  const HRESULT hr = manager->QueryInterface(iid, reinterpret_cast<void**>(result.GetAddressOf()));
  if (FAILED(hr)) return Status(StatusCode::kNotFound, "com: the unmarshaled object does not implement the interface", hr);
  return result;
}

ComPtr<ProxyManager> ClientSide::manager_of(IUnknown* identity) {
  std::lock_guard lock(mu_);
  if (!identities_.contains(identity)) return {};
  auto* manager = static_cast<ProxyManager*>(identity);
  if (!manager->try_add_ref()) return {};
  ComPtr<ProxyManager> out;
  out.Attach(manager);
  return out;
}

Status ClientSide::release_marshal_data(const ObjRef& objref) {
  if (objref.std.public_refs == 0) return Status::Ok();  // a table marshal of another process holds nothing of ours
  GUISE_TRY(std::shared_ptr<RemoteOxid> oxid, oxids_.resolve(objref.std.oxid, objref.resolver));
  pings_.queue_release(oxid, {InterfaceRefs{objref.std.ipid, objref.std.public_refs, 0}});
  return Status::Ok();
}

void ClientSide::manager_released(ProxyManager* manager, std::vector<InterfaceRefs> refs, bool pinged) {
  {
    std::lock_guard lock(mu_);
    const Key key{manager->oxid().get(), manager->oid(), manager->apartment_id()};
    if (auto it = managers_.find(key); it != managers_.end() && it->second == manager) managers_.erase(it);
    identities_.erase(static_cast<IUnknown*>(manager));
  }
  if (pinged) pings_.drop(manager->oxid(), manager->oid());
  pings_.queue_release(manager->oxid(), std::move(refs));
}

std::size_t ClientSide::proxy_count() const {
  std::lock_guard lock(mu_);
  return managers_.size();
}

}  // namespace guise::com
