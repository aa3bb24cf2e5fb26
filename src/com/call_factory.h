// call_factory.h: ICallFactory on a proxy — how a client gets asynchronous call objects (spec R57).
//
// QueryInterface(IID_ICallFactory) on a proxy succeeds when one of the interfaces it holds has an
// [async_uuid] (its generated AsyncProxyStubEntry is registered). CreateCall(IID_AsyncIFoo, outer,
// riid2, ppv) makes a client call object (client_call_object.h) for IFoo's interface proxy, with that
// proxy's blanket: E_POINTER for a NULL ppv; CLASS_E_NOAGGREGATION when an outer unknown comes with a
// riid2 other than IID_IUnknown (COM's aggregation rule); E_NOINTERFACE when no async interface of that
// IID is registered or the proxy does not hold its synchronous interface.
// Thread-safety: any thread.
#pragma once

#include "guise/objidl.h"

namespace guise::com {

class ProxyManager;

// ProxyManager::QueryInterface's answer for IID_ICallFactory (one COM identity: the manager's).
HRESULT query_call_factory(ProxyManager& manager, void** ppv);

}  // namespace guise::com
