// remote_activation.h: IActivation::RemoteActivation (MS-DCOM §3.1.2.5.2.3.1) — activation at a
// server named by a string binding (CoCreateInstanceEx / CoGetClassObject with
// COSERVERINFO::pwszName), without a daemon.
//
// Every guise process that serves objects answers IActivation on its own endpoint, for the class
// objects it registered with CoRegisterClassObject (CLSCTX_LOCAL_SERVER, not suspended): Mode
// MODE_GET_CLASS_OBJECT returns the class object, any other Mode creates an instance with it; each
// requested IID comes back as an OBJREF with its HRESULT, together with the exporter's OXID,
// bindings and IRemUnknown IPID. Named-object activation (pwszObjectName, pObjectStorage) is not
// supported (E_NOTIMPL). Counts a peer sends are bounded (ComLimits::max_iids_per_query, and the
// decoder's allocation limit). The client side calls it and unmarshals the first OBJREF.
// Errors as Windows reports them: REGDB_E_CLASSNOTREG when the server has no such class,
// 0x800706BA when nothing answers at the binding. Thread-safety: all functions.
#pragma once

#include "base/status.h"
#include "activation.h"
#include "com/dual_string_array.h"
#include "com/object_exporter.h"
#include "guise/com_ptr.h"
#include "rpc/string_binding.h"

namespace guise::com {

class ComMarshaler;

class ActivationService final : public IActivation_Server {
 public:
  ActivationService(ComMarshaler& marshaler, ObjectExporter& exporter, Ipid rem_unknown,
                    std::function<DualStringArray()> bindings, ComLimits limits)
      : marshaler_(marshaler),
        exporter_(exporter),
        rem_unknown_(rem_unknown),
        bindings_(std::move(bindings)),
        limits_(limits) {}

  error_status_t RemoteActivation(handle_t hRpc, ORPCTHIS* ORPCthis, ORPCTHAT* ORPCthat, GUID* Clsid,
                                  WCHAR* pwszObjectName, MInterfacePointer* pObjectStorage, DWORD ClientImpLevel,
                                  DWORD Mode, DWORD Interfaces, IID* pIIDs, USHORT cRequestedProtseqs,
                                  USHORT aRequestedProtseqs[], OXID* pOxid, DUALSTRINGARRAY** ppdsaOxidBindings,
                                  IPID* pipidRemUnknown, DWORD* pAuthnHint, COMVERSION* pServerVersion, HRESULT* phr,
                                  MInterfacePointer** ppInterfaceData, HRESULT* pResults) override;

 private:
  ComMarshaler& marshaler_;
  ObjectExporter& exporter_;
  Ipid rem_unknown_;
  std::function<DualStringArray()> bindings_;
  ComLimits limits_;
};

// Client side.
[[nodiscard]] Result<ComPtr<IUnknown>> get_remote_class_object(const rpc::StringBinding& server, const CLSID& clsid,
                                                               const IID& iid);
[[nodiscard]] Result<ComPtr<IUnknown>> create_remote_instance(const rpc::StringBinding& server, const CLSID& clsid,
                                                              const IID& iid);

}  // namespace guise::com
