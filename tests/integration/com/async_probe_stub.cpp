// async_probe_stub.cpp: the server halves of AsyncISecurityProbe, written by hand until guise-midl
// generates AsyncProxyStubEntry registrations (branch async-midl). Registered by guise-callsec-server
// --async only; a generated entry registered first wins (ProxyStubRegistry::add_async keeps the first),
// so this file can go once the generated one exists. No client half (create_async_proxy is null).
#include "integration/com/async_probe.h"

#include "guise/objbase.h"
#include "ndr/async_proxy.h"
#include "ndr/proxy_registry.h"
#include "ndr/reader.h"
#include "ndr/strings.h"

namespace guise::com::testing {
namespace {

constexpr std::uint16_t kRunOpnum = 3;

Status bad_opnum() {
  return Status(StatusCode::kUnimplemented, "AsyncISecurityProbe: no such method", static_cast<HRESULT>(0x1C010002u));
}

// Run's request: [in, string] const char* script — a top-level [ref] string, so the string itself.
Status invoke_begin(IUnknown* object, std::uint16_t opnum, std::span<const std::byte> stub_in, ndr::CallContext& ctx,
                    HRESULT* begin_result) {
  if (opnum != kRunOpnum) return bad_opnum();
  ndr::Reader reader(stub_in, ctx.limits, ctx.byte_order);
  char* script = nullptr;
  GUISE_RETURN_IF_ERROR(ndr::get_string(reader, script));
  *begin_result = static_cast<AsyncISecurityProbe*>(object)->Begin_Run(script);
  CoTaskMemFree(script);
  return Status::Ok();
}

// Run's response: [out, string] char** transcript — a [unique] string pointer — then the HRESULT.
Status invoke_finish(IUnknown* object, std::uint16_t opnum, ndr::Writer& w, ndr::CallContext& /*ctx*/) {
  if (opnum != kRunOpnum) return bad_opnum();
  char* transcript = nullptr;
  const HRESULT hr = static_cast<AsyncISecurityProbe*>(object)->Finish_Run(&transcript);
  w.align(4);
  w.write_u32(transcript == nullptr ? 0 : w.next_referent_id());
  if (transcript != nullptr) ndr::put_string(w, transcript);
  w.align(4);
  w.write_u32(static_cast<std::uint32_t>(hr));
  CoTaskMemFree(transcript);
  return Status::Ok();
}

}  // namespace

void register_async_probe_stub() {
  ndr::AsyncProxyStubEntry entry{};
  entry.name = "AsyncISecurityProbe";
  entry.async_iid = IID_AsyncISecurityProbe;
  entry.sync_iid = IID_ISecurityProbe;
  entry.async_base_iid = IID_IUnknown;
  entry.sync_method_count = 4;
  entry.create_async_proxy = nullptr;
  entry.invoke_begin = &invoke_begin;
  entry.invoke_finish = &invoke_finish;
  ndr::ProxyStubRegistry::instance().add_async(entry);
}

}  // namespace guise::com::testing
