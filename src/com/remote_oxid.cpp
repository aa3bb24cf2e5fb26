#include "com/remote_oxid.h"

#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include "base/log.h"
#include "com/call_failure.h"
#include "com/cloaking.h"
#include "com/orpc_channel.h"
#include "com/remote_authentication.h"
#include "com/security_settings.h"
#include "oxidresolver.h"
#include "rpc/ndr_interface.h"

namespace guise::com {
namespace {

// Calls the runtime makes for itself (resolution, IRemUnknown) never wait for ever on a hung peer.
constexpr std::chrono::milliseconds kRuntimeCallTimeout{60000};

// The outer IUnknown of the IRemUnknown proxy: it belongs to RemoteOxid, which manages its lifetime.
class NoRefCount final : public IUnknown {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
    if (ppv != nullptr) *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 1; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
};
NoRefCount g_no_ref_count;

}  // namespace

RemoteOxid::RemoteOxid(Oxid oxid, rpc::StringBinding binding, std::shared_ptr<rpc::Client> client, Ipid rem_unknown,
                       std::uint32_t authn_hint, rpc::StringBinding resolver,
                       std::shared_ptr<rpc::Client> resolver_client, DualStringArray resolver_dsa)
    : oxid_(oxid),
      binding_(std::move(binding)),
      client_(std::move(client)),
      rem_unknown_(rem_unknown),
      authn_hint_(authn_hint),
      resolver_(std::move(resolver)),
      resolver_client_(std::move(resolver_client)),
      resolver_dsa_(std::move(resolver_dsa)) {}

RemoteOxid::~RemoteOxid() = default;

IRemUnknown* RemoteOxid::rem_unknown(ndr::InterfaceMarshaler* marshaler, const ComLimits& limits) {
  std::lock_guard lock(mu_);
  if (!rem_unknown_proxy_) {
    const ndr::ProxyStubEntry* entry = ndr::ProxyStubRegistry::instance().find(IID_IRemUnknown);
    if (entry == nullptr) return nullptr;
    rem_unknown_channel_ =
        std::make_unique<OrpcChannel>(this, nullptr, rem_unknown_, IID_IRemUnknown, marshaler, limits);
    rem_unknown_channel_->set_timeout(kRuntimeCallTimeout);
    rem_unknown_proxy_ = entry->create_proxy(&g_no_ref_count, *rem_unknown_channel_);
  }
  return static_cast<IRemUnknown*>(rem_unknown_proxy_.get());
}

std::optional<rpc::StringBinding> OxidTable::pick_binding(const DualStringArray& dsa) {
  // GUISE_COM_PROTOCOLS=ncacn_ip_tcp keeps this process's proxies off ncalrpc (Windows' "DCOM
  // Protocols" list): e.g. to reach a same-host exporter the way a remote client does.
  const char* protocols = std::getenv("GUISE_COM_PROTOCOLS");
  const bool tcp_only = protocols != nullptr && std::string_view(protocols) == "ncacn_ip_tcp";
  std::optional<rpc::StringBinding> tcp;
  for (const auto& entry : dsa.strings) {
    auto binding = to_binding(entry, local_hostname());
    if (!binding) continue;
    if (binding->is_local()) {
      if (tcp_only) continue;
      return binding;
    }
    if (!tcp) tcp = std::move(binding);
  }
  return tcp;
}

Result<std::shared_ptr<RemoteOxid>> OxidTable::resolve(Oxid oxid, const DualStringArray& resolver_dsa,
                                                       std::optional<uid_t> expected_server) {
  auto resolver = pick_binding(resolver_dsa);
  if (!resolver) {
    return Status(StatusCode::kInvalidInput, "com: the OBJREF names no resolver binding usable from here",
                  RPC_E_INVALID_OBJREF);
  }
  const std::string prefix = fmt::format("{}#{:016x}#", resolver->to_string(), oxid);
  const std::string key = prefix + (expected_server ? std::to_string(*expected_server) : std::string("-"));
  {
    std::lock_guard lock(mu_);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      if (auto alive = it->second.lock()) return alive;
    }
    if (!expected_server) {
      // An exporter already reached with a pinned identity (activation) keeps its pin for every
      // further OBJREF naming it, e.g. the objects its class factory creates.
      for (auto it = by_key_.lower_bound(prefix); it != by_key_.end() && it->first.starts_with(prefix); ++it) {
        if (auto alive = it->second.lock()) return alive;
      }
    }
    std::erase_if(by_key_, [](const auto& kv) { return kv.second.expired(); });
  }
  // The runtime's own calls present the process (R56), whatever the thread impersonates now.
  CloakState no_cloaking;
  OutgoingIdentity as_process;
  GUISE_RETURN_IF_ERROR(as_process.enter(no_cloaking, 0));
  GUISE_TRY(auto resolver_client,
            connections_.client_for(*resolver, ConnectionSource::default_auth(*resolver), expected_server,
                                    default_remote_authentication(resolver_dsa, *resolver)));
  rpc::CallOptions options;
  options.timeout = kRuntimeCallTimeout;
  IObjectExporter_Client exporter(rpc::call_fn_for(*resolver_client, IObjectExporter_v0_0_s_ifspec, options));
  OXID wanted = oxid;
  USHORT towers[] = {kTowerNcalrpc, kTowerNcacnIpTcp};
  DUALSTRINGARRAY* bindings = nullptr;
  IPID rem_unknown{};
  DWORD authn_hint = 0;
  COMVERSION version{};
  const error_status_t result =
      exporter.ResolveOxid2(nullptr, &wanted, 2, towers, &bindings, &rem_unknown, &authn_hint, &version);
  struct FreeBindings {
    DUALSTRINGARRAY*& p;
    ~FreeBindings() { CoTaskMemFree(p); }
  } free_bindings{bindings};
  if (!exporter.last_status().ok()) return orpc_call_failure(exporter.last_status());
  if (result != 0) {
    return Status(StatusCode::kNotFound, fmt::format("com: the resolver does not know OXID {:016x} ({})", oxid, result),
                  HRESULT_FROM_WIN32(static_cast<long>(result)));
  }
  if (bindings == nullptr) return Status(StatusCode::kInvalidInput, "com: ResolveOxid2 returned no bindings", RPC_E_INVALID_OBJREF);
  GUISE_TRY(DualStringArray dsa, decode_words(std::span<const std::uint16_t>(bindings->aStringArray, bindings->wNumEntries),
                                              bindings->wSecurityOffset, limits_));
  auto binding = pick_binding(dsa);
  if (!binding) {
    return Status(StatusCode::kUnavailable, "com: the exporter offers no binding usable from here",
                  HRESULT_FROM_WIN32(kRpcSServerUnavailable));
  }
  // R43: the proxies of this OXID start at max(this process's level, the server's advertised level).
  GUISE_TRY(auto client, connections_.client_for(*binding, negotiated_client_auth(*binding, authn_hint),
                                                 expected_server, default_remote_authentication(dsa, *binding)));
  auto entry = std::make_shared<RemoteOxid>(oxid, std::move(*binding), std::move(client), rem_unknown, authn_hint,
                                            std::move(*resolver), std::move(resolver_client), resolver_dsa);
  std::lock_guard lock(mu_);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    if (auto raced = it->second.lock()) return raced;
  }
  by_key_[key] = entry;
  return entry;
}

}  // namespace guise::com
