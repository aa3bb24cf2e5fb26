// ping_client.h: the client half of garbage collection (MS-DCOM §3.2.6) — ping sets for the OIDs
// this process holds, and the batched RemRelease of references it gives back.
//
// Per remote resolver (a process whose objects we hold) one ping set: on each tick, ComplexPing with
// the OIDs added and removed since the last one (creating the set the first time), else SimplePing.
// A set the server no longer knows (it expired: we were stalled longer than the rundown time) is
// created again with every OID held. Releases of proxy managers are queued and sent by the same
// housekeeping thread, grouped per exporter, up to ComLimits::max_refs_per_call per RemRelease.
// Failures are logged once per resolver and retried on the next tick; a server that is gone simply
// stops being pinged when its last proxy goes. Runtime calls have timeouts: a hung peer cannot stall
// the housekeeping thread. Thread-safety: all members.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "com/limits.h"
#include "com/objref.h"
#include "com/remote_oxid.h"
#include "ndr/interface_marshaler.h"

namespace guise::com {

class PingClient {
 public:
  PingClient(ComLimits limits, std::function<void()> wake_housekeeper)
      : limits_(limits), wake_(std::move(wake_housekeeper)) {}

  // One more / one fewer holder of `oid` at `oxid`'s resolver. The first OID held at a resolver wakes
  // the housekeeper (starting it in a process that never exported anything), so it gets pinged.
  void hold(const std::shared_ptr<RemoteOxid>& oxid, Oid oid);
  void drop(const std::shared_ptr<RemoteOxid>& oxid, Oid oid);

  // Queues a RemRelease of `refs` (REMINTERFACEREF triples) at `oxid` and wakes the housekeeper.
  void queue_release(std::shared_ptr<RemoteOxid> oxid, std::vector<InterfaceRefs> refs);

  // Housekeeping thread: send queued releases; ping every resolver once.
  void flush_releases(ndr::InterfaceMarshaler* marshaler);
  bool releases_pending() const;
  void ping_all();

  // Diagnostics: OIDs currently held across all resolvers.
  std::size_t held_oids() const;

 private:
  struct Resolver {
    std::shared_ptr<RemoteOxid> via;  // any exporter of that resolver (its resolver client)
    std::uint64_t set_id = 0;
    std::uint16_t sequence = 1;
    std::map<Oid, std::uint32_t> held;
    std::set<Oid> to_add;
    std::set<Oid> to_del;
    bool failing = false;
  };
  struct PendingRelease {
    std::shared_ptr<RemoteOxid> oxid;
    std::vector<InterfaceRefs> refs;
  };

  ComLimits limits_;
  std::function<void()> wake_;
  mutable std::mutex mu_;
  std::map<std::string, Resolver> resolvers_;
  std::deque<PendingRelease> releases_;
};

}  // namespace guise::com
