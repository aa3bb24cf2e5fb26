// objbase.h: the COM surface a Windows COM programmer expects, for Linux.
//
// Include this one header for HRESULT and its codes, GUID/IID/CLSID, IUnknown, BSTR, COM task memory
// and GUID string conversion, with Windows' names, signatures and values. Functions are thread-safe.
// The security calls (CoInitializeSecurity, CoGetCallContext, IServerSecurity, ...) join this header as
// the COM layer lands; see docs/ and the project README.
#pragma once

#include "guise/combaseapi.h"  // CoInitialize(Ex), CoUninitialize, CoWaitForMultipleHandles
#include "guise/guiddef.h"
#include "guise/oleauto.h"
#include "guise/unknwn.h"
#include "guise/winerror.h"
#include "guise/wtypes.h"

extern "C" {
// COM task memory: malloc-compatible, usable across the runtime/user boundary.
LPVOID CoTaskMemAlloc(SIZE_T cb);
LPVOID CoTaskMemRealloc(LPVOID pv, SIZE_T cb);
void CoTaskMemFree(LPVOID pv);

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
