#include "ndr/proxy_registry.h"

#include <deque>
#include <map>
#include <mutex>

namespace guise::ndr {

struct ProxyStubRegistry::Impl {
  mutable std::mutex mu;
  std::deque<ProxyStubEntry> storage;  // stable addresses for find()'s result
  std::map<IID, const ProxyStubEntry*, GuidLess> by_iid;
  std::deque<AsyncProxyStubEntry> async_storage;
  std::map<IID, const AsyncProxyStubEntry*, GuidLess> async_by_iid;
  std::map<IID, const AsyncProxyStubEntry*, GuidLess> async_by_sync_iid;
};

ProxyStubRegistry::ProxyStubRegistry() : impl_(std::make_unique<Impl>()) {}

ProxyStubRegistry& ProxyStubRegistry::instance() {
  static ProxyStubRegistry* registry = new ProxyStubRegistry();  // never destroyed: used at exit
  return *registry;
}

void ProxyStubRegistry::add(const ProxyStubEntry& entry) {
  std::lock_guard lock(impl_->mu);
  if (impl_->by_iid.contains(entry.iid)) return;
  impl_->storage.push_back(entry);
  impl_->by_iid.emplace(entry.iid, &impl_->storage.back());
}

const ProxyStubEntry* ProxyStubRegistry::find(const IID& iid) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->by_iid.find(iid);
  return it == impl_->by_iid.end() ? nullptr : it->second;
}

std::vector<IID> ProxyStubRegistry::registered() const {
  std::lock_guard lock(impl_->mu);
  std::vector<IID> out;
  for (const auto& [iid, entry] : impl_->by_iid) out.push_back(iid);
  return out;
}

void ProxyStubRegistry::add_async(const AsyncProxyStubEntry& entry) {
  std::lock_guard lock(impl_->mu);
  if (impl_->async_by_iid.contains(entry.async_iid) || impl_->async_by_sync_iid.contains(entry.sync_iid)) return;
  impl_->async_storage.push_back(entry);
  impl_->async_by_iid.emplace(entry.async_iid, &impl_->async_storage.back());
  impl_->async_by_sync_iid.emplace(entry.sync_iid, &impl_->async_storage.back());
}

const AsyncProxyStubEntry* ProxyStubRegistry::find_async(const IID& async_iid) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->async_by_iid.find(async_iid);
  return it == impl_->async_by_iid.end() ? nullptr : it->second;
}

const AsyncProxyStubEntry* ProxyStubRegistry::find_async_for_sync(const IID& sync_iid) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->async_by_sync_iid.find(sync_iid);
  return it == impl_->async_by_sync_iid.end() ? nullptr : it->second;
}

}  // namespace guise::ndr
