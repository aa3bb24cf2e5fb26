// rem_unknown.h: IRemUnknown2 (MS-DCOM §3.1.1.5.6-7) of this process's object exporter — remote
// QueryInterface and reference counting for the objects it exports.
//
// One instance per OXID, reached through the IPID ResolveOxid2 hands out (ipidRemUnknown); calls come
// through the generated IRemUnknown2 stub like any other ORPC call, so they get ORPCTHIS, the call
// frame and the per-peer key of the caller (who owns private references and which peer a query's
// new references are accounted to). It never trusts an IPID: unknown or disconnected ones get an
// error per entry. Counts are bounded by ComLimits (max_iids_per_query, max_refs_per_call).
// Failed queries are reported in the method's HRESULT as well (impacket ignores REMQIRESULT.hResult):
// S_OK when every IID succeeded, S_FALSE when some did, E_NOINTERFACE when none did.
// Thread-safety: calls may run concurrently; all state is the exporter's.
#pragma once

#include <atomic>
#include <functional>

#include "com/dual_string_array.h"
#include "com/limits.h"
#include "com/object_exporter.h"
#include "remunkn.h"

namespace guise::com {

class RemUnknown final : public IRemUnknown2 {
 public:
  // `resolver` gives the DUALSTRINGARRAY OBJREFs made by RemQueryInterface2 carry.
  RemUnknown(ObjectExporter& exporter, ComLimits limits, std::function<DualStringArray()> resolver)
      : exporter_(exporter), limits_(limits), resolver_(std::move(resolver)) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override;

  HRESULT STDMETHODCALLTYPE RemQueryInterface(REFIPID ripid, ULONG cRefs, USHORT cIids, IID* iids,
                                              REMQIRESULT** ppQIResults) override;
  HRESULT STDMETHODCALLTYPE RemAddRef(USHORT cInterfaceRefs, REMINTERFACEREF InterfaceRefs[],
                                      HRESULT* pResults) override;
  HRESULT STDMETHODCALLTYPE RemRelease(USHORT cInterfaceRefs, REMINTERFACEREF InterfaceRefs[]) override;
  HRESULT STDMETHODCALLTYPE RemQueryInterface2(REFIPID ripid, USHORT cIids, IID* iids, HRESULT* phr,
                                               MInterfacePointer** ppMIF) override;

 private:
  ObjectExporter& exporter_;
  ComLimits limits_;
  std::function<DualStringArray()> resolver_;
  std::atomic<ULONG> refs_{1};
};

}  // namespace guise::com
