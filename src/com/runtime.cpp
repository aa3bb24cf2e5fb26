#include "com/runtime.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "base/log.h"
#include "base/utf16.h"
#include "com/apartment.h"
#include "com/introspection.h"
#include "com/object_resolver_service.h"
#include "com/orpc_dispatcher.h"
#include "com/ping_settings.h"
#include "com/random_ids.h"
#include "com/remote_authentication.h"
#include "com/remote_activation.h"
#include "com/rem_unknown.h"
#include "activation.h"
#include "orpc.h"
#include "oxidresolver.h"
#include "remunkn.h"
#include "rpc/ndr_interface.h"
#include "rpc/gssapi/gss_server.h"
#include "rpc/server.h"

void guise_com_register_builtin_proxy_stubs();

namespace guise::com {
namespace {

// A child forked after the runtime started has none of its threads: at its exit there is nothing to
// join (joining the parent's thread objects there would be undefined).
std::atomic<bool> g_forked_child{false};

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

unsigned server_threads() {
  const std::string text = env_or("GUISE_COM_THREADS", "4");
  const unsigned long n = std::strtoul(text.c_str(), nullptr, 10);
  return n >= 1 && n <= 256 ? static_cast<unsigned>(n) : 4u;
}

// Over TCP the kernel attests nobody: callers authenticate through GSSAPI (remote_authentication.h).
// Without usable credentials (no keytab, no NTLM domain) TCP callers stay unauthenticated (level NONE),
// which the access check refuses unless the process allows level NONE.
void add_tcp_acceptors(rpc::Server& server, DualStringArray& bindings) {
  const rpc::gssapi::ServerConfig config = tcp_acceptor_config_from_env();
  if (const Status added = rpc::gssapi::add_gss_providers(server, config); !added.ok()) {
    log::warn("com: TCP callers cannot authenticate: {}", added.message());
    return;
  }
  const std::string principal = acceptor_principal(config);
  set_tcp_acceptor_principal(principal);
  const std::u16string name = utf8_to_utf16(principal);
  if (!principal.empty()) {
    bindings.security.push_back({RPC_C_AUTHN_GSS_KERBEROS, name});
    bindings.security.push_back({RPC_C_AUTHN_GSS_NEGOTIATE, name});
  }
  if (!config.ntlm_domain.empty()) bindings.security.push_back({RPC_C_AUTHN_WINNT, utf8_to_utf16(config.ntlm_domain)});
  log::debug("com: TCP callers authenticate to {}", principal.empty() ? std::string("(NTLM only)") : principal);
}

}  // namespace

Runtime& Runtime::instance() {
  static Runtime* runtime = [] {
    // The system interfaces' proxies and stubs live in a static library: make sure they are linked
    // and registered before anything looks them up.
    orpc_register_proxy_stubs();
    remunkn_register_proxy_stubs();
    oxidresolver_register_proxy_stubs();
    guise_com_register_builtin_proxy_stubs();
    auto* r = new Runtime();
    std::atexit([] { Runtime::instance().shutdown(); });
    ::pthread_atfork(nullptr, nullptr, [] { g_forked_child.store(true); });
    return r;
  }();
  return *runtime;
}

Runtime::Runtime()
    : exporter_(random_id64(), limits_),
      marshaler_(*this),
      client_(limits_, marshaler_, [this] { wake_housekeeper(); }) {}

DualStringArray Runtime::bindings() const {
  std::lock_guard lock(mu_);
  return bindings_;
}

Status Runtime::ensure_serving() {
  std::lock_guard lock(mu_);
  if (serving_) return Status::Ok();
  if (stopping_) return Status(StatusCode::kUnavailable, "com: the runtime is shutting down", CO_E_NOTINITIALIZED);

  rpc::ServerOptions options;
  options.threads = server_threads();
  auto server = std::make_unique<rpc::Server>(options);
  auto dispatcher = std::make_unique<OrpcDispatcher>(exporter_, marshaler_, limits_);
  for (auto& registration : dispatcher->registrations()) {
    GUISE_RETURN_IF_ERROR(server->register_interface(std::move(registration)));
  }
  const Ipid rem_unknown_ipid = random_guid();
  auto* rem_unknown = new RemUnknown(exporter_, limits_, [this] { return bindings(); });
  exporter_.add_rem_unknown(rem_unknown_ipid, rem_unknown,
                            ndr::ProxyStubRegistry::instance().find(IID_IRemUnknown2));
  rem_unknown->Release();  // the exporter holds it now
  auto resolver = std::make_unique<ObjectResolverService>(exporter_, [this] { return bindings(); });
  GUISE_RETURN_IF_ERROR(server->register_interface(rpc::registration_for(IObjectExporter_v0_0_s_ifspec, resolver.get())));
  auto activation = std::make_unique<ActivationService>(marshaler_, exporter_, rem_unknown_ipid,
                                                        [this] { return bindings(); }, limits_);
  ndr::Limits activation_limits;
  activation_limits.max_allocation = 1u << 20;  // an activation request is small; a count cannot make it large
  GUISE_RETURN_IF_ERROR(
      server->register_interface(rpc::registration_for(IActivation_v0_0_s_ifspec, activation.get(), activation_limits)));
  if (introspection_enabled()) GUISE_RETURN_IF_ERROR(register_introspection(*server, exporter_));

  DualStringArray bindings;
  const std::string local = env_or(
      "GUISE_COM_ENDPOINT", fmt::format("ncalrpc:[@guise-com-{}-{:016x}]", ::getpid(), random_id64()));
  GUISE_TRY(std::string local_bound, server->listen(local));
  GUISE_TRY(rpc::StringBinding local_binding, rpc::StringBinding::parse(local_bound));
  const std::string tcp_address = env_or("GUISE_COM_TCP_ADDRESS", "");
  std::optional<rpc::StringBinding> tcp_binding;
  if (!tcp_address.empty()) {
    GUISE_TRY(std::string tcp_bound,
              server->listen(fmt::format("ncacn_ip_tcp:{}[{}]", tcp_address, env_or("GUISE_COM_TCP_PORT", "0"))));
    GUISE_TRY(rpc::StringBinding parsed, rpc::StringBinding::parse(tcp_bound));
    tcp_binding = std::move(parsed);
  }
  bindings.strings.push_back(to_entry(local_binding, local_hostname()));
  if (tcp_binding) bindings.strings.push_back(to_entry(*tcp_binding, local_hostname()));
  // Security bindings: guise's local provider (ncalrpc, kernel-attested callers), and over TCP the
  // GSSAPI services it accepts with the name it accepts as (clients' COLE_DEFAULT_PRINCIPAL).
  bindings.security.push_back({rpc::kAuthTypeGuiseLocal, u""});
  if (tcp_binding) add_tcp_acceptors(*server, bindings);
  bindings_ = std::move(bindings);
  GUISE_RETURN_IF_ERROR(server->start());

  // An STA's objects leave with it (on its thread, at its last CoUninitialize).
  set_sta_closed_hook([](std::uint64_t apartment_id) { Runtime::instance().exporter().apartment_closed(apartment_id); });
  server_ = std::move(server);
  dispatcher_ = std::move(dispatcher);
  resolver_service_ = std::move(resolver);
  activation_service_ = std::move(activation);
  serving_ = true;
  start_housekeeper_locked();
  log::debug("com: exporting on {}{}", local_bound, tcp_binding ? " and " + tcp_binding->to_string() : "");
  return Status::Ok();
}

void Runtime::wake_housekeeper() {
  std::lock_guard lock(mu_);
  start_housekeeper_locked();
  wake_pending_ = true;
  wake_.notify_all();
}

void Runtime::start_housekeeper_locked() {
  if (housekeeper_.joinable() || stopping_) return;
  housekeeper_ = std::thread([this] { housekeeper_loop(); });
}

void Runtime::housekeeper_loop() {
  DispatchApartmentScope mta;  // its IRemUnknown and resolver calls are MTA calls
  const auto period = ping_settings().period;
  const auto tick = std::max(period / 2, std::chrono::milliseconds(25));
  auto next_tick = std::chrono::steady_clock::now() + tick;
  bool ping_this_tick = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait_until(lock, next_tick, [this] { return stopping_ || wake_pending_; });
      if (stopping_) return;
      wake_pending_ = false;
    }
    client_.pings().flush_releases(&marshaler_);
    const auto now = std::chrono::steady_clock::now();
    if (now < next_tick) continue;
    next_tick = now + tick;
    ping_this_tick = !ping_this_tick;
    if (ping_this_tick) client_.pings().ping_all();
    exporter_.collect_garbage(now, ping_settings().rundown_after());
  }
}

void Runtime::flush_releases() {
  if (client_.pings().releases_pending()) client_.pings().flush_releases(&marshaler_);
}

void Runtime::shutdown() {
  if (g_forked_child.load()) return;
  std::thread housekeeper;
  rpc::Server* server = nullptr;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
    housekeeper = std::move(housekeeper_);
    server = server_.get();
  }
  if (housekeeper.joinable()) housekeeper.join();
  // The server object stays allocated (the runtime lives until the process ends); stop() joins its
  // threads so none runs while the process's static objects are destroyed.
  if (server != nullptr) server->stop();
}

}  // namespace guise::com
