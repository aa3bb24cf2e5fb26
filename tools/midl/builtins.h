// builtins.h: the types and imports guise-midl knows without an .idl declaring them.
//
// IDL base types (long, hyper, wchar_t...) and the Windows typedefs COM IDL uses everywhere (DWORD,
// HRESULT, GUID, REFIID, BSTR, LPWSTR...), each with its NDR representation and the C++ spelling
// generated headers use (decision 1 of DESIGN.md: IDL `long` is `LONG`, 32 bits). Also the system
// imports (unknwn.idl, wtypes.idl, objidl.idl, oaidl.idl...) that map to include/guise headers
// instead of being parsed. Pure lookups.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ast.h"
#include "guise/guiddef.h"
#include "ir.h"

namespace guise::midl {

struct BuiltinType {
  enum class Kind { kPrim, kString, kGuidRef, kBstr, kVoid, kHandle };
  Kind kind;
  ir::Prim prim;
  const char* cpp;  // C++ spelling
};

// Canonical base type from the parser ("unsigned long", "wchar_t", "void"...), or nullptr.
const BuiltinType* builtin_base(const std::string& canonical);
// A built-in typedef name ("DWORD", "REFIID", "BSTR"...), or nullptr.
const BuiltinType* builtin_type(const std::string& name);
// The include/guise header a system import stands for ("unknwn.h"), or nullptr.
const char* system_import_header(const std::string& idl_name);
// The include/guise header that declares COM interface `name` ("guise/objidl.h" for ISynchronize), or
// nullptr. An IDL may define such an interface to get its proxy and stub; the generated header then
// prints no second declaration (the IDL's signature must be the header's).
const char* header_declared_interface(const std::string& name);
// How a type spec is spelled in C++ (base types through the table, others as written). A structure
// tag in `builtin_struct_tags` ("_GUID" of an IDL that redeclares GUID) is spelled as the built-in.
std::string cpp_spelling(const ast::TypeSpec& ts, const std::map<std::string, std::string>* builtin_struct_tags = nullptr);
// The member names, in order, of a structure guise's headers define under tag `tag` ("_FILETIME"), or
// nullptr. A protocol IDL that defines the same structure gets its header's declaration without the
// body (a C++ redeclaration of the same type), so both can be included together.
const std::vector<std::string>* header_struct_members(const std::string& tag);
// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
bool parse_uuid(const std::string& text, IID& out);
// "{0x12345678, 0x1234, 0x1234, {0x12, ...}}"
std::string guid_initializer(const IID& g);
// "12345678-1234-1234-1234-123456789abc"
std::string guid_text(const IID& g);

}  // namespace guise::midl
