#include "ndr/proxy_registry.h"

#include <deque>
#include <map>
#include <mutex>

namespace guise::ndr {

struct ProxyStubRegistry::Impl {
  mutable std::mutex mu;
  std::deque<ProxyStubEntry> storage;  // stable addresses for find()'s result
  std::map<IID, const ProxyStubEntry*, GuidLess> by_iid;
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

}  // namespace guise::ndr
