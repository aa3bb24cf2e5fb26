#include "com/proxy_manager.h"

#include <algorithm>

#include "base/log.h"
#include "com/call_factory.h"
#include "com/client_security.h"
#include "com/client_side.h"
#include "com/object_exporter.h"

namespace guise::com {

ProxyManager::ProxyManager(ClientSide& client, std::shared_ptr<RemoteOxid> oxid, Oid oid, bool pinged,
                           std::uint64_t apartment_id)
    : client_(client), oxid_(std::move(oxid)), oid_(oid), pinged_(pinged), apartment_id_(apartment_id) {}

bool ProxyManager::try_add_ref() noexcept {
  ULONG current = refs_.load(std::memory_order_relaxed);
  while (current != 0) {
    if (refs_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

ULONG ProxyManager::Release() {
  const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left != 0) return left;
  std::vector<InterfaceRefs> refs;
  {
    std::lock_guard lock(mu_);
    for (const auto& itf : interfaces_) {
      std::uint64_t n = itf->refs;
      while (n > 0) {  // a REMINTERFACEREF counts in 32 bits
        const auto chunk = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, 0xFFFFFFFFu));
        refs.push_back({itf->ipid, chunk, 0});
        n -= chunk;
      }
    }
  }
  client_.manager_released(this, std::move(refs), pinged_);
  delete this;
  return 0;
}

ProxyManager::Interface* ProxyManager::find_locked(const IID& iid) {
  for (const auto& itf : interfaces_) {
    if (itf->iid == iid) return itf.get();
  }
  return nullptr;
}

ProxyManager::Interface* ProxyManager::find_ipid_locked(const Ipid& ipid) {
  for (const auto& itf : interfaces_) {
    if (itf->ipid == ipid) return itf.get();
  }
  return nullptr;
}

Result<ProxyManager::Interface*> ProxyManager::add_locked(const IID& iid, const Ipid& ipid, std::uint64_t refs) {
  if (Interface* same = find_ipid_locked(ipid)) {
    same->refs += refs;
    return same;
  }
  const ndr::ProxyStubEntry* entry = nullptr;
  if (iid != IID_IUnknown) {
    entry = ndr::ProxyStubRegistry::instance().find(iid);
    if (entry == nullptr) {
      return Status(StatusCode::kNotFound, "com: no proxy is registered for the interface", E_NOINTERFACE);
    }
  }
  auto itf = std::make_unique<Interface>();
  itf->iid = iid;
  itf->ipid = ipid;
  itf->refs = refs;
  if (entry != nullptr) {
    itf->channel = std::make_unique<OrpcChannel>(oxid_.get(), oxid_, ipid, iid, &client_.marshaler(), client_.limits());
    itf->channel->bind_to_apartment(apartment_id_);
    itf->proxy = entry->create_proxy(this, *itf->channel);
  }
  interfaces_.push_back(std::move(itf));
  return interfaces_.back().get();
}

void ProxyManager::give_back(const Ipid& ipid, std::uint64_t refs) {
  if (refs == 0) return;
  client_.pings().queue_release(oxid_, {InterfaceRefs{ipid, static_cast<std::uint32_t>(std::min<std::uint64_t>(refs, 0xFFFFFFFFu)), 0}});
}

HRESULT ProxyManager::acquire_refs(const Ipid& ipid, std::uint32_t count) {
  IRemUnknown* remote = oxid_->rem_unknown(&client_.marshaler(), client_.limits());
  if (remote == nullptr) return E_NOINTERFACE;
  REMINTERFACEREF ref{ipid, count, 0};
  HRESULT result = S_OK;
  const HRESULT hr = remote->RemAddRef(1, &ref, &result);
  if (FAILED(hr)) return hr;
  return result;
}

Result<ProxyManager::Interface*> ProxyManager::query_remote(const IID& iid) {
  Ipid any{};
  {
    std::lock_guard lock(mu_);
    if (interfaces_.empty()) return Status(StatusCode::kInternal, "com: proxy manager without interfaces", E_UNEXPECTED);
    any = interfaces_.front()->ipid;
  }
  if (iid != IID_IUnknown && ndr::ProxyStubRegistry::instance().find(iid) == nullptr) {
    return Status(StatusCode::kNotFound, "com: no proxy is registered for the interface", E_NOINTERFACE);
  }
  IRemUnknown* remote = oxid_->rem_unknown(&client_.marshaler(), client_.limits());
  if (remote == nullptr) return Status(StatusCode::kInternal, "com: IRemUnknown proxy unavailable", E_UNEXPECTED);
  IID wanted = iid;
  REMQIRESULT* results = nullptr;
  const HRESULT hr = remote->RemQueryInterface(any, kRefsPerMarshal, 1, &wanted, &results);
  struct FreeResults {
    REMQIRESULT*& p;
    ~FreeResults() { CoTaskMemFree(p); }
  } free_results{results};
  if (results == nullptr) {
    return Status(StatusCode::kNotFound, "com: RemQueryInterface failed", FAILED(hr) ? hr : E_NOINTERFACE);
  }
  const REMQIRESULT& answer = results[0];
  if (FAILED(answer.hResult)) return Status(StatusCode::kNotFound, "com: the object does not implement it", answer.hResult);
  if (answer.std.oid != oid_ || answer.std.oxid != oxid_->oxid()) {
    // An exporter answering with another object's reference is not believed; its references go back.
    log::warn("com: RemQueryInterface answered with another object's reference; refused");
    give_back(answer.std.ipid, answer.std.cPublicRefs);
    return Status(StatusCode::kInvalidInput, "com: RemQueryInterface answered for another object", RPC_E_INVALID_OBJREF);
  }
  std::lock_guard lock(mu_);
  auto added = add_locked(iid, answer.std.ipid, answer.std.cPublicRefs);
  if (!added.ok()) give_back(answer.std.ipid, answer.std.cPublicRefs);
  return added;
}

HRESULT ProxyManager::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (riid == IID_IUnknown) {
    AddRef();
    *ppv = static_cast<IUnknown*>(this);
    return S_OK;
  }
  if (riid == IID_IClientSecurity) return query_client_security(*this, ppv);  // client_security.cpp
  if (riid == IID_ICallFactory) return has_async_interface() ? query_call_factory(*this, ppv) : E_NOINTERFACE;
  {
    std::lock_guard lock(mu_);
    if (Interface* itf = find_locked(riid); itf != nullptr && itf->proxy) {
      AddRef();
      *ppv = itf->proxy.get();
      return S_OK;
    }
    if (std::find(not_supported_.begin(), not_supported_.end(), riid) != not_supported_.end()) return E_NOINTERFACE;
  }
  auto itf = query_remote(riid);
  if (!itf.ok()) {
    const HRESULT hr = status_to_hresult(itf.status());
    if (hr == E_NOINTERFACE) {
      std::lock_guard lock(mu_);
      if (not_supported_.size() < 1024) not_supported_.push_back(riid);
    }
    return hr;
  }
  if (!(*itf)->proxy) return E_NOINTERFACE;
  AddRef();
  *ppv = (*itf)->proxy.get();
  return S_OK;
}

Status ProxyManager::adopt(const IID& iid, const StdObjRef& std) {
  std::uint64_t refs = std.public_refs;
  if (refs == 0) {
    const HRESULT hr = acquire_refs(std.ipid, kRefsPerMarshal);
    if (FAILED(hr)) return Status(StatusCode::kUnavailable, "com: RemAddRef failed", hr);
    refs = kRefsPerMarshal;
  }
  std::lock_guard lock(mu_);
  auto added = add_locked(iid, std.ipid, refs);
  if (!added.ok()) {
    give_back(std.ipid, refs);
    return std::move(added).status();
  }
  return Status::Ok();
}

OrpcChannel* ProxyManager::channel(const IID& iid) {
  std::lock_guard lock(mu_);
  Interface* itf = find_locked(iid);
  return itf != nullptr ? itf->channel.get() : nullptr;
}

OrpcChannel* ProxyManager::channel_of_proxy(const IUnknown* proxy) {
  std::lock_guard lock(mu_);
  for (const auto* list : {&interfaces_, &copies_}) {
    for (const auto& itf : *list) {
      if (itf->proxy && static_cast<const IUnknown*>(itf->proxy.get()) == proxy) return itf->channel.get();
    }
  }
  return nullptr;
}

Result<IUnknown*> ProxyManager::copy_proxy(const IUnknown* proxy) {
  std::lock_guard lock(mu_);
  const Interface* original = nullptr;
  for (const auto* list : {&interfaces_, &copies_}) {
    for (const auto& itf : *list) {
      if (itf->proxy && static_cast<const IUnknown*>(itf->proxy.get()) == proxy) original = itf.get();
    }
  }
  if (original == nullptr) return Status(StatusCode::kNotFound, "com: not an interface proxy of this object", E_NOINTERFACE);
  if (copies_.size() >= 1024) return Status(StatusCode::kResourceExhausted, "com: too many proxy copies", E_OUTOFMEMORY);
  const ndr::ProxyStubEntry* entry = ndr::ProxyStubRegistry::instance().find(original->iid);
  if (entry == nullptr) return Status(StatusCode::kNotFound, "com: no proxy is registered for the interface", E_NOINTERFACE);
  auto copy = std::make_unique<Interface>();
  copy->iid = original->iid;
  copy->ipid = original->ipid;
  copy->channel = std::make_unique<OrpcChannel>(oxid_.get(), oxid_, original->ipid, original->iid, &client_.marshaler(),
                                                client_.limits());
  copy->proxy = entry->create_proxy(this, *copy->channel);
  IUnknown* out = copy->proxy.get();
  copies_.push_back(std::move(copy));
  AddRef();
  return out;
}

bool ProxyManager::has_async_interface() {
  std::lock_guard lock(mu_);
  for (const auto& itf : interfaces_) {
    if (itf->proxy && ndr::ProxyStubRegistry::instance().find_async_for_sync(itf->iid) != nullptr) return true;
  }
  return false;
}

Result<std::unique_ptr<OrpcChannel>> ProxyManager::call_channel(const IID& sync_iid) {
  std::lock_guard lock(mu_);
  Interface* itf = find_locked(sync_iid);
  if (itf == nullptr || !itf->channel) {
    return Status(StatusCode::kNotFound, "com: the proxy does not hold the interface of that call", E_NOINTERFACE);
  }
  auto channel = std::make_unique<OrpcChannel>(oxid_.get(), oxid_, itf->ipid, itf->iid, &client_.marshaler(),
                                               client_.limits());
  channel->bind_to_apartment(apartment_id_);
  channel->copy_authentication_from(*itf->channel);
  return channel;
}

Result<ObjRef> ProxyManager::marshal_for_third_party(const IID& iid) {
  Ipid ipid{};
  bool need_more = false;
  {
    std::lock_guard lock(mu_);
    Interface* itf = find_locked(iid);
    if (itf != nullptr) {
      ipid = itf->ipid;
      need_more = itf->refs <= 1;
      if (!need_more) --itf->refs;
    }
  }
  if (ipid == GUID_NULL) {
    GUISE_TRY(Interface * itf, query_remote(iid));
    std::lock_guard lock(mu_);
    ipid = itf->ipid;
    need_more = itf->refs <= 1;
    if (!need_more) --itf->refs;
  }
  if (need_more) {
    const HRESULT hr = acquire_refs(ipid, kRefsPerMarshal);
    if (FAILED(hr)) return Status(StatusCode::kUnavailable, "com: RemAddRef for a third party failed", hr);
    std::lock_guard lock(mu_);
    if (Interface* itf = find_ipid_locked(ipid)) itf->refs += kRefsPerMarshal - 1;
  }
  ObjRef objref;
  objref.iid = iid;
  objref.std = {0, 1, oxid_->oxid(), oid_, ipid};
  objref.resolver = oxid_->resolver_bindings();
  return objref;
}

}  // namespace guise::com
