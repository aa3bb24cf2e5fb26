#include "com/remote_activation.h"

#include <cstring>

#include "base/hresult_map.h"
#include "base/log.h"
#include "com/apartment.h"
#include "com/call_failure.h"
#include "com/call_frame.h"
#include "com/class_registry.h"
#include "com/cloaking.h"
#include "com/com_marshaler.h"
#include "com/object_resolver_service.h"
#include "com/orpc_headers.h"
#include "com/peer.h"
#include "com/random_ids.h"
#include "com/runtime.h"
#include "com/security_settings.h"
#include "rpc/ndr_interface.h"

namespace guise::com {
namespace {

MInterfacePointer* allocate_interface_pointer(const std::vector<std::byte>& objref) {
  auto* mif = static_cast<MInterfacePointer*>(
      CoTaskMemAlloc(std::max(sizeof(MInterfacePointer), offsetof(MInterfacePointer, abData) + objref.size())));
  if (mif == nullptr) return nullptr;
  mif->ulCntData = static_cast<ULONG>(objref.size());
  std::memcpy(mif->abData, objref.data(), objref.size());
  return mif;
}

}  // namespace

error_status_t ActivationService::RemoteActivation(handle_t, ORPCTHIS* ORPCthis, ORPCTHAT* ORPCthat, GUID* Clsid,
                                                   WCHAR* pwszObjectName, MInterfacePointer* pObjectStorage, DWORD,
                                                   DWORD Mode, DWORD Interfaces, IID* pIIDs, USHORT, USHORT[],
                                                   OXID* pOxid, DUALSTRINGARRAY** ppdsaOxidBindings,
                                                   IPID* pipidRemUnknown, DWORD* pAuthnHint, COMVERSION* pServerVersion,
                                                   HRESULT* phr, MInterfacePointer** ppInterfaceData,
                                                   HRESULT* pResults) {
  ORPCthat->flags = 0;
  ORPCthat->extensions = nullptr;
  *pOxid = exporter_.oxid();
  *ppdsaOxidBindings = nullptr;
  *pipidRemUnknown = rem_unknown_;
  *pAuthnHint = advertised_authn_level();
  *pServerVersion = {kComVersionMajor, kComVersionMinor};
  for (DWORD i = 0; i < Interfaces; ++i) {
    ppInterfaceData[i] = nullptr;
    pResults[i] = E_NOINTERFACE;
  }
  *phr = S_OK;
  OrpcThis header;
  header.version_major = ORPCthis->version.MajorVersion;
  header.version_minor = ORPCthis->version.MinorVersion;
  if (!check_client_version(header).ok()) {
    *phr = RPC_E_VERSION_MISMATCH;
    return 0;
  }
  if (Interfaces == 0 || Interfaces > limits_.max_iids_per_query || pIIDs == nullptr) {
    *phr = E_INVALIDARG;
    return 0;
  }
  if (pwszObjectName != nullptr || pObjectStorage != nullptr) {
    *phr = E_NOTIMPL;  // persistent (named-object) activation
    return 0;
  }
  // Creating an object is a call like any other (spec R40): CoInitializeSecurity's policy first.
  rpc::ServerCall* call = rpc::current_call();
  if (call == nullptr) {
    *phr = E_UNEXPECTED;
    return 0;
  }
  if (const HRESULT access = check_call_access(call->attributes()); access != S_OK) {
    *phr = access;
    return 0;
  }
  ComPtr<IUnknown> class_object = ClassRegistry::instance().find_published(*Clsid);
  if (!class_object) {
    *phr = REGDB_E_CLASSNOTREG;
    return 0;
  }
  ComPtr<IUnknown> object;
  if (Mode == MODE_GET_CLASS_OBJECT) {
    object = class_object;
  } else {
    ComPtr<IClassFactory> factory;
    HRESULT hr = class_object->QueryInterface(IID_IClassFactory, reinterpret_cast<void**>(factory.GetAddressOf()));
    if (SUCCEEDED(hr)) {
      // CreateInstance runs inside the activation's call, as the factory's method would on an ORPC call:
      // CoGetCallContext names the activator, and its impersonation ends with the call (R55, R21).
      DispatchApartmentScope mta;
      CallFrame frame(call, ORPCthis->cid, peer_of(call->attributes()));
      hr = factory->CreateInstance(nullptr, pIIDs[0], reinterpret_cast<void**>(object.GetAddressOf()));
      call->revert_to_self();  // the factory's part of the call is over; marshaling runs as the process
    }
    if (FAILED(hr)) {
      *phr = hr;
      return 0;
    }
  }
  *ppdsaOxidBindings = allocate_dual_string_array(bindings_());
  DWORD succeeded = 0;
  for (DWORD i = 0; i < Interfaces; ++i) {
    auto objref = marshaler_.marshal(object.Get(), pIIDs[i], MarshalKind::kNormal);
    if (!objref.ok()) {
      pResults[i] = status_to_hresult(objref.status());
      continue;
    }
    ppInterfaceData[i] = allocate_interface_pointer(encode_objref(*objref));
    if (ppInterfaceData[i] == nullptr) {
      (void)marshaler_.release(*objref);
      pResults[i] = E_OUTOFMEMORY;
      continue;
    }
    pResults[i] = S_OK;
    ++succeeded;
  }
  if (succeeded == 0) *phr = pResults[0];
  return 0;
}

namespace {

Result<ComPtr<IUnknown>> activate(const rpc::StringBinding& server, const CLSID& clsid, const IID& iid, DWORD mode) {
  Runtime& runtime = Runtime::instance();
  const rpc::AuthInfo auth = ConnectionSource::default_auth(server);
  // R55: the activator is the thread's token when the process cloaks and the thread impersonates, the
  // process otherwise — presented, like any call's identity, by the connection it travels on (R56).
  CloakState cloak;
  OutgoingIdentity presented;
  GUISE_RETURN_IF_ERROR(presented.enter(cloak, auth.capabilities));
  GUISE_TRY(auto client, runtime.client().connections().client_for(server, auth));
  IActivation_Client activation(rpc::call_fn_for(*client, IActivation_v0_0_s_ifspec));
  ORPCTHIS orpcthis{};
  orpcthis.version = {kComVersionMajor, kComVersionMinor};
  orpcthis.cid = causality_for_outgoing_call();
  ORPCTHAT orpcthat{};
  GUID wanted_class = clsid;
  IID wanted = iid;
  USHORT towers[] = {kTowerNcalrpc, kTowerNcacnIpTcp};
  OXID oxid = 0;
  DUALSTRINGARRAY* bindings = nullptr;
  IPID rem_unknown{};
  DWORD hint = 0;
  COMVERSION version{};
  HRESULT activation_hr = S_OK;
  MInterfacePointer* data = nullptr;
  HRESULT result = S_OK;
  const error_status_t status =
      activation.RemoteActivation(nullptr, &orpcthis, &orpcthat, &wanted_class, nullptr, nullptr, 2 /*identify*/, mode,
                                  1, &wanted, 2, towers, &oxid, &bindings, &rem_unknown, &hint, &version,
                                  &activation_hr, &data, &result);
  struct Free {
    DUALSTRINGARRAY*& bindings;
    MInterfacePointer*& data;
    ORPCTHAT& that;
    ~Free() {
      CoTaskMemFree(bindings);
      CoTaskMemFree(data);
      if (that.extensions != nullptr) {
        ndr::Freer f;
        ndr::generated::ndr_free(that, f);
      }
    }
  } free_all{bindings, data, orpcthat};
  if (!activation.last_status().ok()) return orpc_call_failure(activation.last_status());
  if (status != 0) {
    return Status(StatusCode::kUnavailable, "com: RemoteActivation failed", HRESULT_FROM_WIN32(static_cast<long>(status)));
  }
  if (FAILED(activation_hr)) return Status(StatusCode::kNotFound, "com: the server refused the activation", activation_hr);
  if (FAILED(result)) return Status(StatusCode::kNotFound, "com: the activated object lacks the interface", result);
  if (data == nullptr) return Status(StatusCode::kInvalidInput, "com: RemoteActivation returned no object", RPC_E_INVALID_OBJREF);
  GUISE_TRY(ObjRef objref, decode_objref(std::span(reinterpret_cast<const std::byte*>(data->abData), data->ulCntData),
                                         runtime.limits()));
  return runtime.marshaler().unmarshal(objref, iid);
}

}  // namespace

Result<ComPtr<IUnknown>> get_remote_class_object(const rpc::StringBinding& server, const CLSID& clsid, const IID& iid) {
  return activate(server, clsid, iid, MODE_GET_CLASS_OBJECT);
}

Result<ComPtr<IUnknown>> create_remote_instance(const rpc::StringBinding& server, const CLSID& clsid, const IID& iid) {
  return activate(server, clsid, iid, 0);
}

}  // namespace guise::com
