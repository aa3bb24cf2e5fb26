// async_loopback.h: the AsyncProxyChannel the guise-midl unit tests give generated async proxies.
//
// begin() runs the request through the synchronous stub of a real object in this process (what a
// server that processes synchronously does with an asynchronous client's call) and keeps the
// response; finish() hands it back. One call at a time, as a client call object carries: a second
// begin() is RPC_S_CALLPENDING, a finish() without one RPC_E_CALL_COMPLETE. Failures and a
// truncated response can be injected. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ndr/generated_support.h"

namespace guise::midl::testing {

// Runs request `stub_in` through the synchronous stub registered for `iid`.
inline Result<std::vector<std::byte>> run_sync_stub(IUnknown* server, const IID& iid, std::uint16_t opnum,
                                                    std::span<const std::byte> stub_in,
                                                    ndr::InterfaceMarshaler* marshaler = nullptr) {
  const auto* entry = ndr::ProxyStubRegistry::instance().find(iid);
  if (entry == nullptr) return not_found("no stub");
  ndr::Writer out;
  ndr::CallContext ctx;
  ctx.interfaces = marshaler;
  GUISE_RETURN_IF_ERROR(entry->invoke_stub(server, opnum, stub_in, out, ctx));
  return std::vector<std::byte>(out.bytes().begin(), out.bytes().end());
}

class AsyncLoopback final : public ndr::AsyncProxyChannel {
 public:
  explicit AsyncLoopback(IUnknown* server, ndr::InterfaceMarshaler* marshaler = nullptr)
      : server_(server), marshaler_(marshaler) {}

  HRESULT begin(const IID& sync_iid, std::uint16_t opnum, std::span<const std::byte> stub_in) override {
    if (begin_failure != S_OK) return begin_failure;
    if (pending_) return RPC_S_CALLPENDING;
    iid = sync_iid;
    begun_opnum = opnum;
    request.assign(stub_in.begin(), stub_in.end());
    auto response_or = run_sync_stub(server_, sync_iid, opnum, stub_in, marshaler_);
    if (!response_or.ok()) return ndr::to_hresult(response_or.status());
    response = *response_or;
    pending_ = true;
    return S_OK;
  }

  HRESULT finish(std::uint16_t opnum, std::vector<std::byte>& stub_out) override {
    if (!pending_) return RPC_E_CALL_COMPLETE;
    pending_ = false;
    if (finish_failure != S_OK) return finish_failure;
    if (opnum != begun_opnum) return E_UNEXPECTED;
    stub_out = response;
    if (truncate_response && !stub_out.empty()) stub_out.pop_back();
    return S_OK;
  }

  ndr::InterfaceMarshaler* interface_marshaler() override { return marshaler_; }

  IID iid{};
  std::uint16_t begun_opnum = 0;
  std::vector<std::byte> request;
  std::vector<std::byte> response;
  HRESULT begin_failure = S_OK;
  HRESULT finish_failure = S_OK;
  bool truncate_response = false;

 private:
  IUnknown* server_;
  ndr::InterfaceMarshaler* marshaler_;
  bool pending_ = false;
};

}  // namespace guise::midl::testing
