#include "com/orpc_channel.h"

#include "com/apartment.h"
#include "com/apartment_call.h"
#include "com/call_failure.h"
#include "com/call_frame.h"
#include "com/connection_source.h"
#include "com/orpc_headers.h"
#include "com/remote_oxid.h"
#include "guise/winerror.h"

namespace guise::com {

OrpcChannel::OrpcChannel(RemoteOxid* oxid, std::shared_ptr<RemoteOxid> keep_alive, Ipid ipid, IID iid,
                         ndr::InterfaceMarshaler* marshaler, ComLimits limits)
    : oxid_(oxid),
      keep_alive_(std::move(keep_alive)),
      ipid_(ipid),
      iid_(iid),
      marshaler_(marshaler),
      limits_(limits) {}

namespace {

Result<const Apartment*> calling_apartment(std::uint64_t bound_to) {
  const Apartment* apartment = current_apartment();
  if (apartment == nullptr) {
    return Status(StatusCode::kFailedPrecondition, "com: the calling thread has not called CoInitializeEx",
                  CO_E_NOTINITIALIZED);
  }
  if (bound_to != 0 && apartment->id() != bound_to) {
    return Status(StatusCode::kFailedPrecondition, "com: a proxy used outside the apartment that unmarshaled it",
                  RPC_E_WRONG_THREAD);
  }
  return apartment;
}

}  // namespace

Result<std::vector<std::byte>> OrpcChannel::invoke(const IID&, std::uint16_t opnum, std::span<const std::byte> stub_in) {
  // The IID a generated proxy passes is the one that declared the method (a base interface for
  // inherited methods); the call goes out on the IID this IPID was marshaled for, as Windows binds.
  GUISE_TRY(const Apartment* apartment, calling_apartment(apartment_id_));
  // The request body is built in a per-thread buffer (no allocation per call once it has grown);
  // ORPCTHIS is 32 bytes, a multiple of 8, so the parameters keep their NDR alignment after it.
  thread_local std::vector<std::byte> request;
  request.clear();
  request.reserve(kOrpcThisSize + stub_in.size());
  append_orpcthis(request, kOrpcfNull, causality_for_outgoing_call());
  request.insert(request.end(), stub_in.begin(), stub_in.end());

  rpc::CallOptions options;
  options.object = ipid_;
  options.timeout = timeout_;
  std::vector<std::byte> reply;
  rpc::Client* chosen = client_.load(std::memory_order_acquire);
  const rpc::Client& client = chosen != nullptr ? *chosen : oxid_->client();
  OutgoingIdentity presented;  // cloaking: who the kernel attests on this call (spec R50-R56)
  GUISE_RETURN_IF_ERROR(presented.enter(cloak_, client.auth().capabilities));
  const rpc::InterfaceId iface{iid_, 0, 0};
  Status st = apartment->kind() == ApartmentKind::kSta
                  ? call_from_apartment(client, iface, opnum, request, reply, options)
                  : client.call(iface, opnum, request, reply, options);
  if (request.capacity() > (std::size_t{1} << 20)) request = {};  // keep only small buffers
  if (!st.ok()) return orpc_call_failure(std::move(st));

  GUISE_RETURN_IF_ERROR(strip_orpcthat(reply));
  return reply;
}

Status OrpcChannel::strip_orpcthat(std::vector<std::byte>& reply) const {
  ndr::Limits header_limits = ndr_limits_;
  header_limits.max_allocation = limits_.max_orpc_extension_bytes + 4096;
  ndr::Reader r(reply, header_limits);
  OrpcThat that;
  GUISE_RETURN_IF_ERROR(get_orpcthat(r, that, limits_));
  reply.erase(reply.begin(), reply.begin() + static_cast<std::ptrdiff_t>(r.position()));
  return Status::Ok();
}

Result<std::vector<std::byte>> OrpcChannel::build_request(std::span<const std::byte> stub_in) const {
  GUISE_RETURN_IF_ERROR(calling_apartment(apartment_id_).status());
  std::vector<std::byte> request;
  request.reserve(kOrpcThisSize + stub_in.size());
  append_orpcthis(request, kOrpcfNull, causality_for_outgoing_call());
  request.insert(request.end(), stub_in.begin(), stub_in.end());
  return request;
}

Result<std::optional<identity::Token>> OrpcChannel::resolve_identity() {
  return OutgoingIdentity::resolve(cloak_, current_client().auth().capabilities);
}

void OrpcChannel::copy_authentication_from(OrpcChannel& other) {
  client_.store(other.client_.load(std::memory_order_acquire), std::memory_order_release);
  cloak_.copy_from(other.cloak_);
}

Status OrpcChannel::set_authentication(ConnectionSource& connections, const rpc::AuthInfo& auth,
                                       const std::optional<RemoteAuthentication>& remote) {
  GUISE_TRY(std::shared_ptr<rpc::Client> client, connections.client_for(oxid_->binding(), auth, std::nullopt, remote));
  client_.store(client.get(), std::memory_order_release);
  cloak_.blanket_set(auth.capabilities);
  return Status::Ok();
}

rpc::AuthInfo OrpcChannel::authentication() const {
  const rpc::Client* chosen = client_.load(std::memory_order_acquire);
  return chosen != nullptr ? chosen->auth() : oxid_->client().auth();
}

const rpc::Client& OrpcChannel::current_client() const {
  const rpc::Client* chosen = client_.load(std::memory_order_acquire);
  return chosen != nullptr ? *chosen : oxid_->client();
}

}  // namespace guise::com
