#include "com/ping_client.h"

#include <algorithm>

#include "base/log.h"
#include "com/call_failure.h"
#include "oxidresolver.h"
#include "rpc/ndr_interface.h"

namespace guise::com {
namespace {

inline constexpr error_status_t kOrInvalidSet = 1914;
inline constexpr std::chrono::milliseconds kPingCallTimeout{30000};

}  // namespace

void PingClient::hold(const std::shared_ptr<RemoteOxid>& oxid, Oid oid) {
  bool new_resolver = false;
  {
    std::lock_guard lock(mu_);
    Resolver& r = resolvers_[oxid->resolver().to_string()];
    if (!r.via) {
      r.via = oxid;
      new_resolver = true;
    }
    if (r.held[oid]++ == 0) {
      if (r.to_del.erase(oid) == 0) r.to_add.insert(oid);
    }
  }
  // The housekeeping thread pings; a process that only holds proxies (it never exported anything)
  // has none running until something wakes it, and its OIDs would be run down by their exporters.
  if (new_resolver && wake_) wake_();
}

void PingClient::drop(const std::shared_ptr<RemoteOxid>& oxid, Oid oid) {
  std::lock_guard lock(mu_);
  auto it = resolvers_.find(oxid->resolver().to_string());
  if (it == resolvers_.end()) return;
  Resolver& r = it->second;
  auto held = r.held.find(oid);
  if (held == r.held.end()) return;
  if (--held->second == 0) {
    r.held.erase(held);
    if (r.to_add.erase(oid) == 0) r.to_del.insert(oid);
  }
}

void PingClient::queue_release(std::shared_ptr<RemoteOxid> oxid, std::vector<InterfaceRefs> refs) {
  if (refs.empty()) return;
  {
    std::lock_guard lock(mu_);
    releases_.push_back({std::move(oxid), std::move(refs)});
  }
  if (wake_) wake_();
}

bool PingClient::releases_pending() const {
  std::lock_guard lock(mu_);
  return !releases_.empty();
}

void PingClient::flush_releases(ndr::InterfaceMarshaler* marshaler) {
  std::deque<PendingRelease> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(releases_);
  }
  // Group by exporter: one RemRelease carries every reference given back to it since the last flush.
  std::map<RemoteOxid*, std::pair<std::shared_ptr<RemoteOxid>, std::vector<REMINTERFACEREF>>> grouped;
  for (auto& pending : batch) {
    auto& slot = grouped[pending.oxid.get()];
    slot.first = pending.oxid;
    for (const auto& r : pending.refs) slot.second.push_back({r.ipid, r.public_refs, r.private_refs});
  }
  for (auto& [raw, slot] : grouped) {
    IRemUnknown* remote = slot.first->rem_unknown(marshaler, limits_);
    if (remote == nullptr) continue;
    auto& refs = slot.second;
    for (std::size_t at = 0; at < refs.size(); at += limits_.max_refs_per_call) {
      const auto count = static_cast<USHORT>(std::min<std::size_t>(limits_.max_refs_per_call, refs.size() - at));
      const HRESULT hr = remote->RemRelease(count, refs.data() + at);
      if (FAILED(hr)) {
        // The exporter is gone or refused: its pings stop with our proxies, and it runs them down.
        log::debug("com: RemRelease of {} references at {} failed: 0x{:08X}", count, slot.first->binding().to_string(),
                   static_cast<ULONG>(hr));
        break;
      }
    }
  }
}

void PingClient::ping_all() {
  struct Work {
    std::string key;
    std::shared_ptr<RemoteOxid> via;
    std::uint64_t set_id;
    std::uint16_t sequence;
    std::vector<Oid> add;
    std::vector<Oid> del;
  };
  std::vector<Work> work;
  {
    std::lock_guard lock(mu_);
    for (auto it = resolvers_.begin(); it != resolvers_.end();) {
      Resolver& r = it->second;
      if (r.held.empty() && r.to_del.empty() && r.to_add.empty()) {
        it = resolvers_.erase(it);  // nothing held there any more: its set expires on the server
        continue;
      }
      work.push_back({it->first, r.via, r.set_id, r.sequence, {r.to_add.begin(), r.to_add.end()},
                      {r.to_del.begin(), r.to_del.end()}});
      ++it;
    }
  }
  for (auto& w : work) {
    rpc::CallOptions options;
    options.timeout = kPingCallTimeout;
    IObjectExporter_Client exporter(rpc::call_fn_for(w.via->resolver_client(), IObjectExporter_v0_0_s_ifspec, options));
    SETID set_id = w.set_id;
    error_status_t result = 0;
    const bool complex = set_id == 0 || !w.add.empty() || !w.del.empty();
    if (complex) {
      USHORT backoff = 0;
      const auto adds = static_cast<USHORT>(std::min<std::size_t>(w.add.size(), 0xFFFF));
      const auto dels = static_cast<USHORT>(std::min<std::size_t>(w.del.size(), 0xFFFF));
      w.add.resize(adds);
      w.del.resize(dels);
      result = exporter.ComplexPing(nullptr, &set_id, w.sequence, adds, dels, adds ? w.add.data() : nullptr,
                                    dels ? w.del.data() : nullptr, &backoff);
    } else {
      result = exporter.SimplePing(nullptr, &set_id);
    }
    std::lock_guard lock(mu_);
    auto it = resolvers_.find(w.key);
    if (it == resolvers_.end()) continue;
    Resolver& r = it->second;
    if (!exporter.last_status().ok()) {
      if (!r.failing) log::info("com: pinging {} failed: {}", w.key, exporter.last_status().to_string());
      r.failing = true;
      continue;
    }
    r.failing = false;
    if (result == kOrInvalidSet) {
      // The server forgot the set (it expired): start a new one holding everything we hold.
      r.set_id = 0;
      r.to_del.clear();
      r.to_add.clear();
      for (const auto& [oid, count] : r.held) r.to_add.insert(oid);
      continue;
    }
    if (complex) {
      // Accepted (an unknown OID — already run down — is reported but the rest were applied).
      r.set_id = set_id;
      ++r.sequence;
      for (Oid oid : w.add) r.to_add.erase(oid);
      for (Oid oid : w.del) r.to_del.erase(oid);
    }
  }
}

std::size_t PingClient::held_oids() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [key, r] : resolvers_) n += r.held.size();
  return n;
}

}  // namespace guise::com
