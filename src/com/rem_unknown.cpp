#include "com/rem_unknown.h"

#include <cstring>
#include <vector>

#include "com/call_frame.h"
#include "com/objref.h"

namespace guise::com {
namespace {

HRESULT overall_of(std::size_t asked, std::size_t succeeded) {
  if (succeeded == asked) return S_OK;
  return succeeded == 0 ? E_NOINTERFACE : S_FALSE;
}

std::vector<InterfaceRefs> refs_of(USHORT count, const REMINTERFACEREF* refs) {
  std::vector<InterfaceRefs> out;
  out.reserve(count);
  for (USHORT i = 0; i < count; ++i) out.push_back({refs[i].ipid, refs[i].cPublicRefs, refs[i].cPrivateRefs});
  return out;
}

}  // namespace

HRESULT RemUnknown::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IRemUnknown || riid == IID_IRemUnknown2) {
    *ppv = static_cast<IRemUnknown2*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

ULONG RemUnknown::Release() {
  const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left == 0) delete this;
  return left;
}

HRESULT RemUnknown::RemQueryInterface(REFIPID ripid, ULONG cRefs, USHORT cIids, IID* iids,
                                      REMQIRESULT** ppQIResults) {
  *ppQIResults = nullptr;
  if (cIids == 0 || cIids > limits_.max_iids_per_query) return E_INVALIDARG;
  std::vector<QueryResult> results;
  if (Status st = exporter_.query_interface(current_peer(), ripid, cRefs, std::span(iids, cIids), results); !st.ok()) {
    return status_to_hresult(st);
  }
  auto* out = static_cast<REMQIRESULT*>(CoTaskMemAlloc(sizeof(REMQIRESULT) * cIids));
  if (out == nullptr) {
    // The references granted above would leak until rundown; give them back.
    std::vector<InterfaceRefs> back;
    for (const auto& r : results) {
      if (SUCCEEDED(r.hr)) back.push_back({r.std.ipid, r.std.public_refs, 0});
    }
    (void)exporter_.release_refs(current_peer(), back);
    return E_OUTOFMEMORY;
  }
  std::size_t succeeded = 0;
  for (USHORT i = 0; i < cIids; ++i) {
    std::memset(&out[i], 0, sizeof(REMQIRESULT));
    out[i].hResult = results[i].hr;
    if (SUCCEEDED(results[i].hr)) {
      ++succeeded;
      out[i].std.flags = results[i].std.flags;
      out[i].std.cPublicRefs = results[i].std.public_refs;
      out[i].std.oxid = results[i].std.oxid;
      out[i].std.oid = results[i].std.oid;
      out[i].std.ipid = results[i].std.ipid;
    }
  }
  *ppQIResults = out;
  return overall_of(cIids, succeeded);
}

HRESULT RemUnknown::RemAddRef(USHORT cInterfaceRefs, REMINTERFACEREF InterfaceRefs[], HRESULT* pResults) {
  if (cInterfaceRefs > limits_.max_refs_per_call) return E_INVALIDARG;
  std::vector<HRESULT> results;
  const HRESULT hr = exporter_.add_refs(current_peer(), refs_of(cInterfaceRefs, InterfaceRefs), results);
  for (USHORT i = 0; i < cInterfaceRefs; ++i) pResults[i] = results[i];
  return hr;
}

HRESULT RemUnknown::RemRelease(USHORT cInterfaceRefs, REMINTERFACEREF InterfaceRefs[]) {
  if (cInterfaceRefs > limits_.max_refs_per_call) return E_INVALIDARG;
  return exporter_.release_refs(current_peer(), refs_of(cInterfaceRefs, InterfaceRefs));
}

HRESULT RemUnknown::RemQueryInterface2(REFIPID ripid, USHORT cIids, IID* iids, HRESULT* phr,
                                       MInterfacePointer** ppMIF) {
  for (USHORT i = 0; i < cIids; ++i) {
    phr[i] = E_NOINTERFACE;
    ppMIF[i] = nullptr;
  }
  if (cIids == 0 || cIids > limits_.max_iids_per_query) return E_INVALIDARG;
  std::vector<QueryResult> results;
  if (Status st = exporter_.query_interface(current_peer(), ripid, kRefsPerMarshal, std::span(iids, cIids), results);
      !st.ok()) {
    return status_to_hresult(st);
  }
  const DualStringArray resolver = resolver_();
  std::size_t succeeded = 0;
  for (USHORT i = 0; i < cIids; ++i) {
    if (FAILED(results[i].hr)) {
      phr[i] = results[i].hr;
      continue;
    }
    const std::vector<std::byte> objref = encode_objref({iids[i], results[i].std, resolver});
    auto* mif = static_cast<MInterfacePointer*>(
        CoTaskMemAlloc(std::max(sizeof(MInterfacePointer), offsetof(MInterfacePointer, abData) + objref.size())));
    if (mif == nullptr) {
      const InterfaceRefs back{results[i].std.ipid, results[i].std.public_refs, 0};
      (void)exporter_.release_refs(current_peer(), std::span(&back, 1));
      phr[i] = E_OUTOFMEMORY;
      continue;
    }
    mif->ulCntData = static_cast<ULONG>(objref.size());
    std::memcpy(mif->abData, objref.data(), objref.size());
    ppMIF[i] = mif;
    phr[i] = S_OK;
    ++succeeded;
  }
  return overall_of(cIids, succeeded);
}

}  // namespace guise::com
