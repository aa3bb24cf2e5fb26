// objidl.h: the COM interfaces and structures of Windows' objidl.h that guise implements —
// IClassFactory, ISequentialStream and IStream, the marshaling flags and contexts, activation
// structures (COSERVERINFO, MULTI_QI) and class-context flags, and call security: IServerSecurity
// (the server's view of the call it runs), IClientSecurity (a proxy's blanket), the capability flags
// (EOAC_*) and the authentication-service structures CoInitializeSecurity takes.
//
// Layouts, vtable orders, IIDs and constant values are Windows' own, so code written against the
// Windows SDK compiles unchanged. (Windows declares IClassFactory in unknwn.h and CLSCTX/MSHLFLAGS
// in wtypes.h; objbase.h includes all of them, so code that includes objbase.h sees the same names.)
// Declarations only; each implementation documents its thread-safety.
#pragma once

#include "guise/guiddef.h"
#include "guise/rpcdce.h"
#include "guise/unknwn.h"
#include "guise/winbase.h"
#include "guise/winerror.h"
#include "guise/wtypes.h"

using LPDWORD = DWORD*;  // minwindef.h's name (a repeated alias of the same type is allowed)

// --- 64-bit values as the stream calls take them -------------------------------------------------
union LARGE_INTEGER {
  struct {
    DWORD LowPart;
    LONG HighPart;
  } u;
  LONGLONG QuadPart;
};
union ULARGE_INTEGER {
  struct {
    DWORD LowPart;
    DWORD HighPart;
  } u;
  ULONGLONG QuadPart;
};

// --- IClassFactory -------------------------------------------------------------------------------
// {00000001-0000-0000-C000-000000000046}
DEFINE_GUID(IID_IClassFactory, 0x00000001, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("00000001-0000-0000-C000-000000000046")
IClassFactory : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* pUnkOuter, REFIID riid, void** ppvObject) = 0;
  virtual HRESULT STDMETHODCALLTYPE LockServer(BOOL fLock) = 0;
};
using LPCLASSFACTORY = IClassFactory*;
GUISE_DECLARE_INTERFACE_ID(IClassFactory, IID_IClassFactory);

// --- IMallocSpy ----------------------------------------------------------------------------------
// A spy registered with CoRegisterMallocSpy sees every CoTaskMemAlloc / CoTaskMemRealloc /
// CoTaskMemFree of the process: it may grow a request (debug headers) or fail it (PreAlloc or
// PreRealloc returning 0 for a non-zero request makes the allocation return NULL — how tests prove a
// caller copes with E_OUTOFMEMORY). guise calls the Pre/Post pair of one operation under one lock.
// GetSize, DidAlloc and HeapMinimize have no IMalloc here to spy on and are never called.
// {0000001D-0000-0000-C000-000000000046}
DEFINE_GUID(IID_IMallocSpy, 0x0000001D, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("0000001D-0000-0000-C000-000000000046")
IMallocSpy : public IUnknown {
 public:
  virtual SIZE_T STDMETHODCALLTYPE PreAlloc(SIZE_T cbRequest) = 0;
  virtual void* STDMETHODCALLTYPE PostAlloc(void* pActual) = 0;
  virtual void* STDMETHODCALLTYPE PreFree(void* pRequest, BOOL fSpyed) = 0;
  virtual void STDMETHODCALLTYPE PostFree(BOOL fSpyed) = 0;
  virtual SIZE_T STDMETHODCALLTYPE PreRealloc(void* pRequest, SIZE_T cbRequest, void** ppNewRequest, BOOL fSpyed) = 0;
  virtual void* STDMETHODCALLTYPE PostRealloc(void* pActual, BOOL fSpyed) = 0;
  virtual void* STDMETHODCALLTYPE PreGetSize(void* pRequest, BOOL fSpyed) = 0;
  virtual SIZE_T STDMETHODCALLTYPE PostGetSize(SIZE_T cbActual, BOOL fSpyed) = 0;
  virtual void* STDMETHODCALLTYPE PreDidAlloc(void* pRequest, BOOL fSpyed) = 0;
  virtual int STDMETHODCALLTYPE PostDidAlloc(void* pRequest, BOOL fSpyed, int fActual) = 0;
  virtual void STDMETHODCALLTYPE PreHeapMinimize() = 0;
  virtual void STDMETHODCALLTYPE PostHeapMinimize() = 0;
};
using LPMALLOCSPY = IMallocSpy*;
GUISE_DECLARE_INTERFACE_ID(IMallocSpy, IID_IMallocSpy);

// --- streams -------------------------------------------------------------------------------------
enum tagSTGTY { STGTY_STORAGE = 1, STGTY_STREAM = 2, STGTY_LOCKBYTES = 3, STGTY_PROPERTY = 4 };
enum tagSTREAM_SEEK { STREAM_SEEK_SET = 0, STREAM_SEEK_CUR = 1, STREAM_SEEK_END = 2 };
enum tagSTATFLAG { STATFLAG_DEFAULT = 0, STATFLAG_NONAME = 1, STATFLAG_NOOPEN = 2 };
enum tagSTGC { STGC_DEFAULT = 0, STGC_OVERWRITE = 1, STGC_ONLYIFCURRENT = 2, STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE = 4 };
// LOCKTYPE (LOCK_WRITE...) is not declared: glibc's <fcntl.h> defines LOCK_WRITE as a macro, and
// guise's streams support no region locks (LockRegion is STG_E_INVALIDFUNCTION).
#define STGM_READ 0x00000000L
#define STGM_WRITE 0x00000001L
#define STGM_READWRITE 0x00000002L
#define STG_E_INVALIDFUNCTION _HRESULT_TYPEDEF_(0x80030001L)
#define STG_E_INVALIDPOINTER _HRESULT_TYPEDEF_(0x80030009L)
#define STG_E_MEDIUMFULL _HRESULT_TYPEDEF_(0x80030070L)
#define STG_E_READFAULT _HRESULT_TYPEDEF_(0x8003001EL)
#define STG_E_INVALIDPARAMETER _HRESULT_TYPEDEF_(0x80030057L)

struct STATSTG {
  LPOLESTR pwcsName;
  DWORD type;
  ULARGE_INTEGER cbSize;
  FILETIME mtime;
  FILETIME ctime;
  FILETIME atime;
  DWORD grfMode;
  DWORD grfLocksSupported;
  CLSID clsid;
  DWORD grfStateBits;
  DWORD reserved;
};

// {0C733A30-2A1C-11CE-ADE5-00AA0044773D}
DEFINE_GUID(IID_ISequentialStream, 0x0C733A30, 0x2A1C, 0x11CE, 0xAD, 0xE5, 0x00, 0xAA, 0x00, 0x44, 0x77, 0x3D);
MIDL_INTERFACE("0C733A30-2A1C-11CE-ADE5-00AA0044773D")
ISequentialStream : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE Read(void* pv, ULONG cb, ULONG* pcbRead) = 0;
  virtual HRESULT STDMETHODCALLTYPE Write(const void* pv, ULONG cb, ULONG* pcbWritten) = 0;
};
GUISE_DECLARE_INTERFACE_ID(ISequentialStream, IID_ISequentialStream);

// {0000000C-0000-0000-C000-000000000046}
DEFINE_GUID(IID_IStream, 0x0000000C, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("0000000C-0000-0000-C000-000000000046")
IStream : public ISequentialStream {
 public:
  virtual HRESULT STDMETHODCALLTYPE Seek(LARGE_INTEGER dlibMove, DWORD dwOrigin, ULARGE_INTEGER* plibNewPosition) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetSize(ULARGE_INTEGER libNewSize) = 0;
  virtual HRESULT STDMETHODCALLTYPE CopyTo(IStream* pstm, ULARGE_INTEGER cb, ULARGE_INTEGER* pcbRead,
                                           ULARGE_INTEGER* pcbWritten) = 0;
  virtual HRESULT STDMETHODCALLTYPE Commit(DWORD grfCommitFlags) = 0;
  virtual HRESULT STDMETHODCALLTYPE Revert() = 0;
  virtual HRESULT STDMETHODCALLTYPE LockRegion(ULARGE_INTEGER libOffset, ULARGE_INTEGER cb, DWORD dwLockType) = 0;
  virtual HRESULT STDMETHODCALLTYPE UnlockRegion(ULARGE_INTEGER libOffset, ULARGE_INTEGER cb, DWORD dwLockType) = 0;
  virtual HRESULT STDMETHODCALLTYPE Stat(STATSTG* pstatstg, DWORD grfStatFlag) = 0;
  virtual HRESULT STDMETHODCALLTYPE Clone(IStream** ppstm) = 0;
};
using LPSTREAM = IStream*;
GUISE_DECLARE_INTERFACE_ID(IStream, IID_IStream);

// --- marshaling ----------------------------------------------------------------------------------
enum tagMSHLFLAGS {
  MSHLFLAGS_NORMAL = 0,
  MSHLFLAGS_TABLESTRONG = 1,
  MSHLFLAGS_TABLEWEAK = 2,
  MSHLFLAGS_NOPING = 4,
};
using MSHLFLAGS = enum tagMSHLFLAGS;
enum tagMSHCTX {
  MSHCTX_LOCAL = 0,
  MSHCTX_NOSHAREDMEM = 1,
  MSHCTX_DIFFERENTMACHINE = 2,
  MSHCTX_INPROC = 3,
  MSHCTX_CROSSCTX = 4,
};
using MSHCTX = enum tagMSHCTX;

// {00000003-0000-0000-C000-000000000046}: the standard marshaler's interface (not implemented by
// guise objects; named so code comparing IIDs compiles).
DEFINE_GUID(IID_IMarshal, 0x00000003, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);

// --- activation ----------------------------------------------------------------------------------
enum tagCLSCTX {
  CLSCTX_INPROC_SERVER = 0x1,
  CLSCTX_INPROC_HANDLER = 0x2,
  CLSCTX_LOCAL_SERVER = 0x4,
  CLSCTX_INPROC_SERVER16 = 0x8,
  CLSCTX_REMOTE_SERVER = 0x10,
  CLSCTX_INPROC_HANDLER16 = 0x20,
  CLSCTX_NO_CODE_DOWNLOAD = 0x400,
  CLSCTX_NO_CUSTOM_MARSHAL = 0x1000,
  CLSCTX_ENABLE_CODE_DOWNLOAD = 0x2000,
  CLSCTX_NO_FAILURE_LOG = 0x4000,
  CLSCTX_DISABLE_AAA = 0x8000,
  CLSCTX_ENABLE_AAA = 0x10000,
  CLSCTX_FROM_DEFAULT_CONTEXT = 0x20000,
  CLSCTX_ACTIVATE_X86_SERVER = 0x40000,
  CLSCTX_ACTIVATE_64_BIT_SERVER = 0x80000,
  CLSCTX_ENABLE_CLOAKING = 0x100000,
  CLSCTX_APPCONTAINER = 0x400000,
  CLSCTX_ACTIVATE_AAA_AS_IU = 0x800000,
  CLSCTX_PS_DLL = static_cast<int>(0x80000000u),
};
using CLSCTX = enum tagCLSCTX;
#define CLSCTX_INPROC (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER)
#define CLSCTX_SERVER (CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)
#define CLSCTX_ALL (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)

enum tagREGCLS {
  REGCLS_SINGLEUSE = 0,
  REGCLS_MULTIPLEUSE = 1,
  REGCLS_MULTI_SEPARATE = 2,
  REGCLS_SUSPENDED = 4,
  REGCLS_SURROGATE = 8,
  REGCLS_AGILE = 0x10,
};
using REGCLS = enum tagREGCLS;

struct COAUTHIDENTITY {
  USHORT* User;
  ULONG UserLength;
  USHORT* Domain;
  ULONG DomainLength;
  USHORT* Password;
  ULONG PasswordLength;
  ULONG Flags;
};
struct COAUTHINFO {
  DWORD dwAuthnSvc;
  DWORD dwAuthzSvc;
  LPWSTR pwszServerPrincName;
  DWORD dwAuthnLevel;
  DWORD dwImpersonationLevel;
  COAUTHIDENTITY* pAuthIdentityData;
  DWORD dwCapabilities;
};
struct COSERVERINFO {
  DWORD dwReserved1;
  LPWSTR pwszName;
  COAUTHINFO* pAuthInfo;
  DWORD dwReserved2;
};
struct MULTI_QI {
  const IID* pIID;
  IUnknown* pItf;
  HRESULT hr;
};

// --- call security (docs/call-security.md) --------------------------------------------------------
// Capability flags of a blanket (EOLE_AUTHENTICATION_CAPABILITIES).
enum tagEOLE_AUTHENTICATION_CAPABILITIES {
  EOAC_NONE = 0x0,
  EOAC_MUTUAL_AUTH = 0x1,
  EOAC_STATIC_CLOAKING = 0x20,
  EOAC_DYNAMIC_CLOAKING = 0x40,
  EOAC_ANY_AUTHORITY = 0x80,
  EOAC_MAKE_FULLSIC = 0x100,
  EOAC_DEFAULT = 0x800,
  EOAC_SECURE_REFS = 0x2,
  EOAC_ACCESS_CONTROL = 0x4,
  EOAC_APPID = 0x8,
  EOAC_DYNAMIC = 0x10,
  EOAC_REQUIRE_FULLSIC = 0x200,
  EOAC_AUTO_IMPERSONATE = 0x400,
  EOAC_DISABLE_AAA = 0x1000,
  EOAC_NO_CUSTOM_MARSHAL = 0x2000,
  EOAC_RESERVED1 = 0x4000,
};
using EOLE_AUTHENTICATION_CAPABILITIES = enum tagEOLE_AUTHENTICATION_CAPABILITIES;

struct SOLE_AUTHENTICATION_SERVICE {
  DWORD dwAuthnSvc;
  DWORD dwAuthzSvc;
  OLECHAR* pPrincipalName;
  HRESULT hr;
};
using PSOLE_AUTHENTICATION_SERVICE = SOLE_AUTHENTICATION_SERVICE*;
struct SOLE_AUTHENTICATION_INFO {
  DWORD dwAuthnSvc;
  DWORD dwAuthzSvc;
  void* pAuthInfo;
};
using PSOLE_AUTHENTICATION_INFO = SOLE_AUTHENTICATION_INFO*;
struct SOLE_AUTHENTICATION_LIST {
  DWORD cAuthInfo;
  SOLE_AUTHENTICATION_INFO* aAuthInfo;
};
using PSOLE_AUTHENTICATION_LIST = SOLE_AUTHENTICATION_LIST*;

// The object CoGetCallContext returns inside an incoming call: the blanket the call arrived with and
// the caller's identity, applied to the calling thread's kernel credentials on demand. Valid for the
// call's duration in the call's apartment (after it: RPC_E_CALL_COMPLETE; elsewhere:
// RPC_E_WRONG_THREAD). docs/call-security.md gives every method's results.
// {0000013E-0000-0000-C000-000000000046}
DEFINE_GUID(IID_IServerSecurity, 0x0000013E, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("0000013E-0000-0000-C000-000000000046")
IServerSecurity : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE QueryBlanket(DWORD* pAuthnSvc, DWORD* pAuthzSvc, OLECHAR** pServerPrincName,
                                                 DWORD* pAuthnLevel, DWORD* pImpLevel, void** pPrivs,
                                                 DWORD* pCapabilities) = 0;
  virtual HRESULT STDMETHODCALLTYPE ImpersonateClient() = 0;
  virtual HRESULT STDMETHODCALLTYPE RevertToSelf() = 0;
  virtual BOOL STDMETHODCALLTYPE IsImpersonating() = 0;
};
GUISE_DECLARE_INTERFACE_ID(IServerSecurity, IID_IServerSecurity);

// Every proxy answers QueryInterface(IID_IClientSecurity): the blanket of its interface proxies.
// {0000013D-0000-0000-C000-000000000046}
DEFINE_GUID(IID_IClientSecurity, 0x0000013D, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("0000013D-0000-0000-C000-000000000046")
IClientSecurity : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE QueryBlanket(IUnknown* pProxy, DWORD* pAuthnSvc, DWORD* pAuthzSvc,
                                                 OLECHAR** pServerPrincName, DWORD* pAuthnLevel, DWORD* pImpLevel,
                                                 void** pAuthInfo, DWORD* pCapabilites) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetBlanket(IUnknown* pProxy, DWORD dwAuthnSvc, DWORD dwAuthzSvc,
                                               OLECHAR* pServerPrincName, DWORD dwAuthnLevel, DWORD dwImpLevel,
                                               void* pAuthInfo, DWORD dwCapabilities) = 0;
  virtual HRESULT STDMETHODCALLTYPE CopyProxy(IUnknown* pProxy, IUnknown** ppCopy) = 0;
};
GUISE_DECLARE_INTERFACE_ID(IClientSecurity, IID_IClientSecurity);

// --- Asynchronous calls (docs/async.md) ------------------------------------------------------------
// A proxy whose interface has an [async_uuid] answers QueryInterface(IID_ICallFactory); CreateCall
// makes a call object exposing AsyncIFoo (Begin_/Finish_), ISynchronize, ISynchronizeHandle,
// ICancelMethodCalls and IClientSecurity. A server object implementing ICallFactory gets its calls
// through a server call object it makes in CreateCall: the runtime calls Begin_, the object calls
// ISynchronize::Signal on the runtime's control object when done, the runtime then calls Finish_ and
// sends the reply.
// {1C733A30-2A1C-11CE-ADE5-00AA0044773D}
DEFINE_GUID(IID_ICallFactory, 0x1C733A30, 0x2A1C, 0x11CE, 0xAD, 0xE5, 0x00, 0xAA, 0x00, 0x44, 0x77, 0x3D);
MIDL_INTERFACE("1C733A30-2A1C-11CE-ADE5-00AA0044773D")
ICallFactory : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE CreateCall(REFIID riid, IUnknown* pCtrlUnk, REFIID riid2, IUnknown** ppv) = 0;
};
GUISE_DECLARE_INTERFACE_ID(ICallFactory, IID_ICallFactory);

// {00000030-0000-0000-C000-000000000046}
DEFINE_GUID(IID_ISynchronize, 0x00000030, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("00000030-0000-0000-C000-000000000046")
ISynchronize : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE Wait(DWORD dwFlags, DWORD dwMilliseconds) = 0;
  virtual HRESULT STDMETHODCALLTYPE Signal() = 0;
  virtual HRESULT STDMETHODCALLTYPE Reset() = 0;
};
GUISE_DECLARE_INTERFACE_ID(ISynchronize, IID_ISynchronize);

// {00000031-0000-0000-C000-000000000046}
DEFINE_GUID(IID_ISynchronizeHandle, 0x00000031, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("00000031-0000-0000-C000-000000000046")
ISynchronizeHandle : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE GetHandle(HANDLE* ph) = 0;
};
GUISE_DECLARE_INTERFACE_ID(ISynchronizeHandle, IID_ISynchronizeHandle);

// {00000029-0000-0000-C000-000000000046}
DEFINE_GUID(IID_ICancelMethodCalls, 0x00000029, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
MIDL_INTERFACE("00000029-0000-0000-C000-000000000046")
ICancelMethodCalls : public IUnknown {
 public:
  virtual HRESULT STDMETHODCALLTYPE Cancel(ULONG ulSeconds) = 0;
  virtual HRESULT STDMETHODCALLTYPE TestCancel() = 0;
};
GUISE_DECLARE_INTERFACE_ID(ICancelMethodCalls, IID_ICancelMethodCalls);
