// runtime.h: COM remoting in one process — the object exporter and its endpoint, the client side
// (proxies, pings, releases) and the housekeeping thread that keeps both garbage-collected.
//
// Created on first use and kept until the process exits (an atexit handler stops its threads). The
// server half starts lazily, the first time this process marshals one of its own objects
// (ensure_serving): an rpc::Server listening on
//   - ncalrpc, an abstract AF_UNIX socket "@guise-com-<pid>-<random>" (GUISE_COM_ENDPOINT overrides
//     it with any ncalrpc endpoint), and
//   - when GUISE_COM_TCP_ADDRESS names an address (e.g. 127.0.0.1), ncacn_ip_tcp on it, port 0
//     (GUISE_COM_TCP_PORT picks one), accepting GSSAPI callers (Kerberos, SPNEGO, NTLM) configured
//     from the environment (remote_authentication.h),
// serving IObjectExporter (this process is its own OXID resolver: no daemon), IActivation (for its
// registered class objects), IRemUnknown2, and every
// [object] interface of the proxy/stub registry — those registered when serving starts, i.e. every
// interface linked into the program. Its threads (GUISE_COM_THREADS, default 4) read requests and run
// MTA calls themselves (DESIGN decision 6); calls for an STA's objects are handed to that STA's thread
// (orpc_dispatcher.h). Every apartment that exports is an OXID on these same endpoints. The OBJREFs it writes name these bindings. The
// housekeeping thread sends queued releases at once and, every ping period (ping_settings.h), pings
// the OIDs this process holds and runs down what its own clients stopped pinging.
// Thread-safety: all members.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "base/status.h"
#include "com/client_side.h"
#include "com/com_marshaler.h"
#include "com/dual_string_array.h"
#include "com/limits.h"
#include "com/object_exporter.h"

namespace guise::rpc {
class Server;
}

namespace guise::com {

class ActivationService;
class OrpcDispatcher;
class ObjectResolverService;

class Runtime {
 public:
  static Runtime& instance();

  const ComLimits& limits() const noexcept { return limits_; }
  ObjectExporter& exporter() noexcept { return exporter_; }
  ClientSide& client() noexcept { return client_; }
  ComMarshaler& marshaler() noexcept { return marshaler_; }
  // Whether `oxid` is one of this process's apartments.
  bool is_local_oxid(Oxid oxid) const { return exporter_.owns_oxid(oxid); }

  // Starts the endpoint if it is not serving yet. kUnavailable if it cannot listen.
  [[nodiscard]] Status ensure_serving();
  // This process's resolver and exporter bindings (empty until serving).
  DualStringArray bindings() const;

  // Sends queued releases now (bounded wait) — CoUninitialize's courtesy to the servers we held.
  void flush_releases();
  // Stops the threads (at exit). Idempotent.
  void shutdown();

 private:
  Runtime();
  ~Runtime() = delete;  // lives until the process ends
  void start_housekeeper_locked();
  void housekeeper_loop();
  void wake_housekeeper();

  ComLimits limits_;
  ObjectExporter exporter_;
  ComMarshaler marshaler_;
  ClientSide client_;

  mutable std::mutex mu_;
  bool serving_ = false;
  bool stopping_ = false;
  DualStringArray bindings_;
  std::unique_ptr<rpc::Server> server_;
  std::unique_ptr<OrpcDispatcher> dispatcher_;
  std::unique_ptr<ObjectResolverService> resolver_service_;
  std::unique_ptr<ActivationService> activation_service_;
  std::thread housekeeper_;
  std::condition_variable wake_;
  bool wake_pending_ = false;
};

}  // namespace guise::com
