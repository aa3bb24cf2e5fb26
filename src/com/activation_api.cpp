// The activation entry points of objbase.h: CoRegisterClassObject and friends (ClassRegistry),
// CoGetClassObject / CoCreateInstance / CoCreateInstanceEx through this process's registrations,
// the class directory, or a server named by COSERVERINFO::pwszName (remote_activation.h).
#include "base/guid_string.h"
#include "base/hresult_map.h"
#include "base/log.h"
#include "base/utf16.h"
#include "com/apartment.h"
#include "com/class_directory.h"
#include "com/class_registry.h"
#include "com/remote_activation.h"
#include "com/runtime.h"
#include "guise/objbase.h"

using namespace guise;
using namespace guise::com;

namespace {

HRESULT query(IUnknown* object, REFIID riid, LPVOID* ppv) { return object->QueryInterface(riid, ppv); }

// The class object for `clsid` from the class directory, pinned to the entry owner's identity.
HRESULT class_object_from_directory(REFCLSID clsid, REFIID riid, LPVOID* ppv) {
  Runtime& runtime = Runtime::instance();
  auto entry = find_class_entry(clsid, runtime.limits());
  if (!entry.ok()) return CO_E_SERVER_EXEC_FAILURE;
  if (!*entry) return REGDB_E_CLASSNOTREG;
  auto object = runtime.client().unmarshal((*entry)->objref, riid, (*entry)->owner);
  if (!object.ok()) {
    const HRESULT hr = status_to_hresult(object.status());
    if (hr == E_NOINTERFACE) return E_NOINTERFACE;
    // The server, attested as the entry's owner, refused this activator: its answer, as Windows gives it.
    // (kAccessDenied is the other way round: this process refused a server that is not the owner.)
    if (hr == E_ACCESSDENIED && object.status().code() != StatusCode::kAccessDenied) return E_ACCESSDENIED;
    log::warn("com: the server of {} in {} did not answer as uid {}: {}", format_guid_braced(clsid), (*entry)->path,
              (*entry)->owner, object.status().to_string());
    return CO_E_SERVER_EXEC_FAILURE;
  }
  *ppv = object->Detach();
  return S_OK;
}

// COSERVERINFO::pwszName as a string binding guise can reach.
HRESULT server_binding(const COSERVERINFO* info, rpc::StringBinding& out) {
  if (info == nullptr || info->pwszName == nullptr || info->pwszName[0] == 0) return S_FALSE;
  std::u16string_view name(info->pwszName);
  auto parsed = rpc::StringBinding::parse(utf16_to_utf8(name));
  if (!parsed.ok()) {
    log::warn("com: COSERVERINFO names '{}', not a string binding (guise has no machine-name resolution)",
              utf16_to_utf8(name));
    return HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
  }
  out = std::move(*parsed);
  return S_OK;
}

}  // namespace

extern "C" HRESULT CoRegisterClassObject(REFCLSID rclsid, LPUNKNOWN pUnk, DWORD dwClsContext, DWORD flags,
                                         LPDWORD lpdwRegister) {
  if (pUnk == nullptr || lpdwRegister == nullptr) return E_INVALIDARG;
  *lpdwRegister = 0;
  if (!thread_in_apartment()) return CO_E_NOTINITIALIZED;
  return ClassRegistry::instance().register_class(rclsid, pUnk, dwClsContext, flags, lpdwRegister);
}

extern "C" HRESULT CoRevokeClassObject(DWORD dwRegister) {
  if (!thread_in_apartment()) return CO_E_NOTINITIALIZED;
  return ClassRegistry::instance().revoke(dwRegister);
}

extern "C" HRESULT CoResumeClassObjects(void) {
  if (!thread_in_apartment()) return CO_E_NOTINITIALIZED;
  return ClassRegistry::instance().resume_all();
}

extern "C" HRESULT CoSuspendClassObjects(void) {
  if (!thread_in_apartment()) return CO_E_NOTINITIALIZED;
  return ClassRegistry::instance().suspend_all();
}

extern "C" ULONG CoAddRefServerProcess(void) { return ClassRegistry::instance().add_ref_server_process(); }
extern "C" ULONG CoReleaseServerProcess(void) { return ClassRegistry::instance().release_server_process(); }

extern "C" HRESULT CoGetClassObject(REFCLSID rclsid, DWORD dwClsContext, LPVOID pvReserved, REFIID riid, LPVOID* ppv) {
  if (ppv == nullptr) return E_INVALIDARG;
  *ppv = nullptr;
  if (!thread_in_apartment()) return CO_E_NOTINITIALIZED;
  rpc::StringBinding binding;
  const HRESULT named = server_binding(static_cast<const COSERVERINFO*>(pvReserved), binding);
  if (FAILED(named)) return named;
  if (named == S_OK) {
    auto object = get_remote_class_object(binding, rclsid, riid);
    if (!object.ok()) return status_to_hresult(object.status());
    *ppv = object->Detach();
    return S_OK;
  }
  if (auto local = ClassRegistry::instance().find(rclsid, dwClsContext)) return query(local.Get(), riid, ppv);
  if ((dwClsContext & CLSCTX_LOCAL_SERVER) == 0) return REGDB_E_CLASSNOTREG;
  return class_object_from_directory(rclsid, riid, ppv);
}

extern "C" HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext, REFIID riid, LPVOID* ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  IClassFactory* factory = nullptr;
  HRESULT hr = CoGetClassObject(rclsid, dwClsContext, nullptr, IID_IClassFactory, reinterpret_cast<void**>(&factory));
  if (FAILED(hr)) return hr;
  hr = factory->CreateInstance(pUnkOuter, riid, ppv);
  factory->Release();
  return hr;
}

extern "C" HRESULT CoCreateInstanceEx(REFCLSID Clsid, IUnknown* punkOuter, DWORD dwClsCtx, COSERVERINFO* pServerInfo,
                                      DWORD dwCount, MULTI_QI* pResults) {
  if (dwCount == 0 || pResults == nullptr) return E_INVALIDARG;
  for (DWORD i = 0; i < dwCount; ++i) {
    if (pResults[i].pIID == nullptr) return E_INVALIDARG;
    pResults[i].pItf = nullptr;
    pResults[i].hr = E_NOINTERFACE;
  }
  if (!thread_in_apartment()) return CO_E_NOTINITIALIZED;
  IUnknown* first = nullptr;
  rpc::StringBinding binding;
  const HRESULT named = server_binding(pServerInfo, binding);
  if (FAILED(named)) return named;
  if (named == S_OK) {
    if (punkOuter != nullptr) return CLASS_E_NOAGGREGATION;
    auto object = create_remote_instance(binding, Clsid, *pResults[0].pIID);
    if (!object.ok()) {
      pResults[0].hr = status_to_hresult(object.status());
      return pResults[0].hr;
    }
    first = object->Detach();
  } else {
    const HRESULT hr = CoCreateInstance(Clsid, punkOuter, dwClsCtx, *pResults[0].pIID, reinterpret_cast<void**>(&first));
    if (FAILED(hr)) {
      pResults[0].hr = hr;
      return hr;
    }
  }
  pResults[0].pItf = first;
  pResults[0].hr = S_OK;
  DWORD succeeded = 1;
  for (DWORD i = 1; i < dwCount; ++i) {
    pResults[i].hr = first->QueryInterface(*pResults[i].pIID, reinterpret_cast<void**>(&pResults[i].pItf));
    if (SUCCEEDED(pResults[i].hr)) ++succeeded;
  }
  return succeeded == dwCount ? S_OK : CO_S_NOTALLINTERFACES;
}
