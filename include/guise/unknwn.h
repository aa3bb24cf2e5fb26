// unknwn.h: IUnknown, the root of every COM interface, in Windows' vtable order.
//
// QueryInterface, AddRef, Release occupy vtable slots 0, 1, 2 exactly as on Windows, with no virtual
// destructor (one would add a slot and break binary layout with generated proxies). Thread-safety is
// the implementing object's; the runtime's own objects use atomic reference counts.
#pragma once

#include <type_traits>

#include "guise/guiddef.h"
#include "guise/winerror.h"

#define interface struct
#define MIDL_INTERFACE(x) struct
#define DECLSPEC_UUID(x)
#define DECLSPEC_NOVTABLE
#define STDMETHOD(method) virtual HRESULT STDMETHODCALLTYPE method
#define STDMETHOD_(type, method) virtual type STDMETHODCALLTYPE method
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#define PURE = 0
#define THIS_
#define THIS void

// {00000000-0000-0000-C000-000000000046}
DEFINE_GUID(IID_IUnknown, 0x00000000, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);

MIDL_INTERFACE("00000000-0000-0000-C000-000000000046")
IUnknown {
  virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppvObject) = 0;
  virtual ULONG STDMETHODCALLTYPE AddRef() = 0;
  virtual ULONG STDMETHODCALLTYPE Release() = 0;

  // The typed form Windows' unknwn.h offers C++ callers.
  template <class Q>
  HRESULT STDMETHODCALLTYPE QueryInterface(Q** pp) {
    return QueryInterface(guise::uuidof<Q>(), reinterpret_cast<void**>(pp));
  }

 protected:
  ~IUnknown() = default;  // objects are destroyed through Release, never through delete on an interface
};

using LPUNKNOWN = IUnknown*;

GUISE_DECLARE_INTERFACE_ID(IUnknown, IID_IUnknown);
