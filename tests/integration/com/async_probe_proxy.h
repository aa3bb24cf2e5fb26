// async_probe_proxy.h: a hand-written AsyncProxyStubEntry (client half) for AsyncISecurityProbe, used
// by guise-callsec-client until guise-midl generates async proxies (tests only). Registering it when
// a generated entry is already there changes nothing (ProxyStubRegistry::add_async: the first wins).
#pragma once

namespace guise::com::testing {

// Registers the entry (idempotent).
void register_async_probe_proxy();

}  // namespace guise::com::testing
