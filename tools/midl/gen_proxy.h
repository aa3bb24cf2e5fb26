// gen_proxy.h: the proxy/stub back end (foo_p.cpp), the interface-id file (foo_i.cpp) and the
// per-file fuzz driver (foo_fuzz.cpp).
//
// foo_p.cpp defines the NDR functions for foo.idl's types; for every non-local [object] interface a
// proxy class (marshals each call into a ndr::ProxyChannel) and a stub (decodes a request against an
// object), registered by IID in ndr::ProxyStubRegistry; and for every plain RPC interface the
// client stubs and the server dispatch table. foo_fuzz.cpp feeds arbitrary bytes to every stub and
// dispatch entry of the file against do-nothing objects: the NDR decoder fuzzed through generated
// code. Deterministic output.
#pragma once

#include <string>

#include "diagnostics.h"
#include "ir.h"

namespace guise::midl {

std::string generate_proxy(const ir::Module& m, Diagnostics& diags);
std::string generate_iid(const ir::Module& m);
std::string generate_fuzz(const ir::Module& m);

}  // namespace guise::midl
