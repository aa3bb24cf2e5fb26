// gen_header.h: the C++ header back end (foo.h), laid out as MIDL lays out its header.
//
// In IDL order: cpp_quote text, constants as #define, types as C typedefs (IDL `long` is LONG,
// decision 1 of DESIGN.md), and for each interface its IID_ constant (DEFINE_GUID), the
// MIDL_INTERFACE declaration with methods in vtable order, GUISE_DECLARE_INTERFACE_ID, and the
// AsyncI... interface for [async_uuid]. Plain RPC interfaces become an I<Name>_Server class to
// implement, an I<Name>_Client class that calls through an RpcCallFn, and the
// I<Name>_v<M>_<m>_s_ifspec dispatch table. Then the NDR function declarations for this file's types.
// Deterministic: the same module always gives the same bytes.
#pragma once

#include <string>

#include "diagnostics.h"
#include "ir.h"

namespace guise::midl {

std::string generate_header(const ir::Module& m, Diagnostics& diags);
// "foo" → "foo" made into an identifier (registration function names).
std::string identifier_of(const std::string& base_name);
// "(/* [in] */ LONG a, /* [out] */ LONG* b)"
std::string method_parameters(const ir::Method& m, bool with_names = true);
// The first line of every generated file.
std::string generated_banner(const ir::Module& m);

}  // namespace guise::midl
