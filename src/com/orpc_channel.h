// orpc_channel.h: how a generated interface proxy's calls reach the remote object (the client half of
// MS-DCOM §3.2.4.2).
//
// One channel per interface proxy: it knows the IPID and IID the proxy stands for and the remote
// OXID (where its exporter listens). invoke() puts ORPCTHIS in front of the parameters the proxy
// marshaled (version 5.7, the causality id of the call this thread is serving or a fresh one), sends
// the request with the IPID as object UUID on the proxy's IID, checks and strips the reply's
// ORPCTHAT and returns the rest for the proxy to decode. A thread that is in no apartment gets
// CO_E_NOTINITIALIZED before anything is sent; transport failures come back as Windows reports them
// (call_failure.h); faults keep the server's HRESULT.
//
// Security seam for the call-security work: the channel calls through an rpc::Client chosen by
// (binding, authentication info) — the exporter's default until set_authentication() picks another
// (what IClientSecurity::SetBlanket will do: the next call uses it, calls in flight keep theirs, spec
// R44). Inside that client, connections are chosen by the identity the calling thread presents to the
// kernel (rpc/client.h), so a connection attested for one identity never carries another's call
// (spec R56); for the call, the thread presents the identity the blanket's cloaking asks for
// (cloaking.h: the process without cloaking, the thread's token or a captured one with it). Thread-safety: calls may be made from many
// threads at once; set_authentication may race them safely.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "com/cloaking.h"
#include "com/limits.h"
#include "com/objref.h"
#include "com/remote_authentication.h"
#include "ndr/proxy_registry.h"
#include "rpc/client.h"

namespace guise::com {

class RemoteOxid;

class OrpcChannel final : public ndr::ProxyChannel {
 public:
  // `oxid` must outlive the channel; `keep_alive` (may be null) holds it when the channel does not
  // belong to the RemoteOxid itself.
  OrpcChannel(RemoteOxid* oxid, std::shared_ptr<RemoteOxid> keep_alive, Ipid ipid, IID iid,
              ndr::InterfaceMarshaler* marshaler, ComLimits limits);

  [[nodiscard]] Result<std::vector<std::byte>> invoke(const IID& iid, std::uint16_t opnum,
                                                      std::span<const std::byte> stub_in) override;
  ndr::InterfaceMarshaler* interface_marshaler() override { return marshaler_; }
  ndr::Limits limits() override { return ndr_limits_; }

  // Calls through this channel fail with RPC_E_TIMEOUT after `timeout` (runtime threads use it so a
  // hung peer cannot stall them; application proxies wait as Windows does).
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  // Only threads of apartment `apartment_id` (Apartment::id) may call through this channel; 0: any.
  void bind_to_apartment(std::uint64_t apartment_id) noexcept { apartment_id_ = apartment_id; }

  // Later calls use `auth` (a client from `connections` for the exporter's binding). kUnimplemented
  // for levels the transport cannot give (an authenticated level over TCP without a provider).
  // `remote`: over TCP, the GSSAPI service, server principal and credentials (remote_authentication.h).
  [[nodiscard]] Status set_authentication(class ConnectionSource& connections, const rpc::AuthInfo& auth,
                                          const std::optional<RemoteAuthentication>& remote = {});
  rpc::AuthInfo authentication() const;
  // The client the next call goes through.
  const rpc::Client& current_client() const;

  const Ipid& ipid() const noexcept { return ipid_; }
  const IID& iid() const noexcept { return iid_; }

  // --- split-phase calls, for asynchronous call objects (client_call_object.h) ---
  // Makes this channel use `other`'s blanket: its client and its static-cloaking capture (CreateCall).
  void copy_authentication_from(OrpcChannel& other);
  // The request body invoke() would send for `stub_in` (ORPCTHIS, then the parameters), with
  // invoke()'s checks of the calling thread (CO_E_NOTINITIALIZED, RPC_E_WRONG_THREAD).
  [[nodiscard]] Result<std::vector<std::byte>> build_request(std::span<const std::byte> stub_in) const;
  // Checks and strips the reply's ORPCTHAT, as invoke() does.
  [[nodiscard]] Status strip_orpcthat(std::vector<std::byte>& reply) const;
  // The identity a call begun now on this thread presents (cloaking.h; nullopt: the process).
  [[nodiscard]] Result<std::optional<identity::Token>> resolve_identity();

 private:
  RemoteOxid* oxid_;
  std::shared_ptr<RemoteOxid> keep_alive_;
  Ipid ipid_;
  IID iid_;
  ndr::InterfaceMarshaler* marshaler_;
  ComLimits limits_;
  ndr::Limits ndr_limits_;
  std::optional<std::chrono::milliseconds> timeout_;
  std::uint64_t apartment_id_ = 0;
  // The client calls go through; null: the exporter's default. ConnectionSource owns every client it
  // made for the life of the process, so a call still using an earlier one is safe.
  std::atomic<rpc::Client*> client_{nullptr};
  CloakState cloak_;  // the identity static cloaking captured (cloaking.h)
};

}  // namespace guise::com
