// objbase.h: the COM surface a Windows COM programmer expects, for Linux.
//
// Include this one header for HRESULT and its codes, GUID/IID/CLSID, IUnknown, BSTR, COM task memory
// and GUID string conversion, with Windows' names, signatures and values. Functions are thread-safe.
// The security calls (CoInitializeSecurity, CoGetCallContext, IServerSecurity, ...) join this header as
// the COM layer lands; see docs/ and the project README.
#pragma once

#include "guise/combaseapi.h"  // CoInitialize(Ex), CoUninitialize, CoWaitForMultipleHandles
#include "guise/guiddef.h"
#include "guise/objidl.h"
#include "guise/oleauto.h"
#include "guise/unknwn.h"
#include "guise/winerror.h"
#include "guise/wtypes.h"

extern "C" {
// COM task memory: malloc-compatible, usable across the runtime/user boundary.
LPVOID CoTaskMemAlloc(SIZE_T cb);
LPVOID CoTaskMemRealloc(LPVOID pv, SIZE_T cb);
void CoTaskMemFree(LPVOID pv);
// Installs `pMallocSpy` (AddRef'd) to watch COM task memory: S_OK, E_INVALIDARG (NULL or not an
// IMallocSpy), CO_E_OBJISREG (one is registered). Revoking: S_OK; CO_E_OBJNOTREG when none is;
// E_ACCESSDENIED while blocks allocated under it are not yet freed — it then sees no new allocations
// and is released when the last of them is freed.
HRESULT CoRegisterMallocSpy(LPMALLOCSPY pMallocSpy);
HRESULT CoRevokeMallocSpy(void);

// GUID text in the registry form {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} (38 characters, upper-case hex
// on output; either case on input).
// Writes the braced form and a NUL into lpsz; returns the characters written including the NUL (39),
// or 0 if cchMax < 39.
int StringFromGUID2(REFGUID rguid, LPOLESTR lpsz, int cchMax);
// *lplpsz receives a CoTaskMemAlloc'd string (caller frees): S_OK, E_OUTOFMEMORY, E_INVALIDARG (NULL out).
HRESULT StringFromCLSID(REFCLSID rclsid, LPOLESTR* lplpsz);
HRESULT StringFromIID(REFIID rclsid, LPOLESTR* lplpsz);
// Parses the braced form: NOERROR, CO_E_CLASSSTRING (malformed; guise has no ProgID registry),
// E_INVALIDARG (NULL pclsid). A NULL lpsz yields CLSID_NULL, as on Windows.
HRESULT CLSIDFromString(LPCOLESTR lpsz, LPCLSID pclsid);
// Parses the braced form: S_OK, E_INVALIDARG (malformed or NULL lpiid). NULL lpsz yields IID_NULL.
HRESULT IIDFromString(LPCOLESTR lpsz, LPIID lpiid);
}

// --- COM remoting: marshaling, streams, activation (docs/com.md) ---------------------------------
// Every call needs an initialised apartment on the calling thread (CO_E_NOTINITIALIZED otherwise),
// except the stream and global-memory helpers. Thread-safe.
extern "C" {
// Writes an OBJREF_STANDARD for pUnk seen as riid into pStm. dwDestContext and pvDestContext are
// accepted and ignored (every context gets a standard OBJREF); mshlflags: MSHLFLAGS_NORMAL (one
// unmarshal), MSHLFLAGS_TABLESTRONG / MSHLFLAGS_TABLEWEAK (any number, until CoReleaseMarshalData).
HRESULT CoMarshalInterface(IStream* pStm, REFIID riid, IUnknown* pUnk, DWORD dwDestContext, LPVOID pvDestContext,
                           DWORD mshlflags);
// Reads one OBJREF from pStm: the object itself when it lives in this process, else a proxy.
HRESULT CoUnmarshalInterface(IStream* pStm, REFIID riid, LPVOID* ppv);
// Releases what a marshaled OBJREF in pStm holds (its references, or a table marshal).
HRESULT CoReleaseMarshalData(IStream* pStm);
// An upper bound of the bytes CoMarshalInterface writes for (riid, pUnk).
HRESULT CoGetMarshalSizeMax(ULONG* pulSize, REFIID riid, IUnknown* pUnk, DWORD dwDestContext, LPVOID pvDestContext,
                            DWORD mshlflags);
HRESULT CoMarshalInterThreadInterfaceInStream(REFIID riid, LPUNKNOWN pUnk, LPSTREAM* ppStm);
HRESULT CoGetInterfaceAndReleaseStream(LPSTREAM pStm, REFIID iid, LPVOID* ppv);
// Disconnects every remote reference to pUnk's object: later calls through proxies fail with
// RPC_E_DISCONNECTED, unmarshaling its OBJREFs with CO_E_OBJNOTCONNECTED.
HRESULT CoDisconnectObject(LPUNKNOWN pUnk, DWORD dwReserved);

// A memory stream over hGlobal (NULL: a new block); fDeleteOnRelease frees the block with the stream.
HRESULT CreateStreamOnHGlobal(HGLOBAL hGlobal, BOOL fDeleteOnRelease, LPSTREAM* ppstm);
HRESULT GetHGlobalFromStream(LPSTREAM pstm, HGLOBAL* phglobal);

// Class objects of a local server, published in the class directory (docs/com.md).
HRESULT CoRegisterClassObject(REFCLSID rclsid, LPUNKNOWN pUnk, DWORD dwClsContext, DWORD flags, LPDWORD lpdwRegister);
HRESULT CoRevokeClassObject(DWORD dwRegister);
HRESULT CoResumeClassObjects(void);
HRESULT CoSuspendClassObjects(void);
ULONG CoAddRefServerProcess(void);
ULONG CoReleaseServerProcess(void);
// Activation: CLSCTX_LOCAL_SERVER through the class directory, or a string binding in
// COSERVERINFO::pwszName ("ncalrpc:[...]", "ncacn_ip_tcp:host[port]").
HRESULT CoGetClassObject(REFCLSID rclsid, DWORD dwClsContext, LPVOID pvReserved, REFIID riid, LPVOID* ppv);
HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext, REFIID riid, LPVOID* ppv);
HRESULT CoCreateInstanceEx(REFCLSID Clsid, IUnknown* punkOuter, DWORD dwClsCtx, COSERVERINFO* pServerInfo,
                           DWORD dwCount, MULTI_QI* pResults);
}

// --- apartments: CoInitialize(Ex), CoUninitialize and CoWaitForMultipleHandles are in combaseapi.h.
