#include "builtins.h"

#include <cctype>
#include <cstdio>
#include <map>

namespace guise::midl {
namespace {

using ir::Prim;
using K = BuiltinType::Kind;

const std::map<std::string, BuiltinType>& base_table() {
  static const std::map<std::string, BuiltinType> table = {
      {"void", {K::kVoid, Prim::kInt32, "void"}},
      {"handle_t", {K::kHandle, Prim::kInt32, "handle_t"}},
      {"byte", {K::kPrim, Prim::kUInt8, "byte"}},
      {"boolean", {K::kPrim, Prim::kUInt8, "boolean"}},
      {"char", {K::kPrim, Prim::kChar, "char"}},
      {"unsigned char", {K::kPrim, Prim::kUInt8, "unsigned char"}},
      {"small", {K::kPrim, Prim::kInt8, "small"}},
      {"unsigned small", {K::kPrim, Prim::kUInt8, "unsigned char"}},
      {"__int8", {K::kPrim, Prim::kInt8, "std::int8_t"}},
      {"unsigned __int8", {K::kPrim, Prim::kUInt8, "std::uint8_t"}},
      {"int8", {K::kPrim, Prim::kInt8, "std::int8_t"}},
      {"uint8", {K::kPrim, Prim::kUInt8, "std::uint8_t"}},
      {"short", {K::kPrim, Prim::kInt16, "SHORT"}},
      {"unsigned short", {K::kPrim, Prim::kUInt16, "USHORT"}},
      {"__int16", {K::kPrim, Prim::kInt16, "std::int16_t"}},
      {"unsigned __int16", {K::kPrim, Prim::kUInt16, "std::uint16_t"}},
      {"int16", {K::kPrim, Prim::kInt16, "std::int16_t"}},
      {"uint16", {K::kPrim, Prim::kUInt16, "std::uint16_t"}},
      {"wchar_t", {K::kPrim, Prim::kWchar, "WCHAR"}},
      {"long", {K::kPrim, Prim::kInt32, "LONG"}},
      {"unsigned long", {K::kPrim, Prim::kUInt32, "ULONG"}},
      {"int", {K::kPrim, Prim::kInt32, "INT"}},
      {"unsigned int", {K::kPrim, Prim::kUInt32, "UINT"}},
      {"__int32", {K::kPrim, Prim::kInt32, "std::int32_t"}},
      {"unsigned __int32", {K::kPrim, Prim::kUInt32, "std::uint32_t"}},
      {"int32", {K::kPrim, Prim::kInt32, "std::int32_t"}},
      {"uint32", {K::kPrim, Prim::kUInt32, "std::uint32_t"}},
      {"hyper", {K::kPrim, Prim::kInt64, "hyper"}},
      {"unsigned hyper", {K::kPrim, Prim::kUInt64, "MIDL_uhyper"}},
      {"__int64", {K::kPrim, Prim::kInt64, "LONGLONG"}},
      {"unsigned __int64", {K::kPrim, Prim::kUInt64, "ULONGLONG"}},
      {"int64", {K::kPrim, Prim::kInt64, "std::int64_t"}},
      {"uint64", {K::kPrim, Prim::kUInt64, "std::uint64_t"}},
      {"float", {K::kPrim, Prim::kFloat, "float"}},
      {"double", {K::kPrim, Prim::kDouble, "double"}},
  };
  return table;
}

const std::map<std::string, BuiltinType>& named_table() {
  static const std::map<std::string, BuiltinType> table = {
      {"BYTE", {K::kPrim, Prim::kUInt8, "BYTE"}},
      {"UCHAR", {K::kPrim, Prim::kUInt8, "UCHAR"}},
      {"BOOLEAN", {K::kPrim, Prim::kUInt8, "BOOLEAN"}},
      {"CHAR", {K::kPrim, Prim::kChar, "CHAR"}},
      {"WORD", {K::kPrim, Prim::kUInt16, "WORD"}},
      {"USHORT", {K::kPrim, Prim::kUInt16, "USHORT"}},
      {"SHORT", {K::kPrim, Prim::kInt16, "SHORT"}},
      {"WCHAR", {K::kPrim, Prim::kWchar, "WCHAR"}},
      {"OLECHAR", {K::kPrim, Prim::kWchar, "OLECHAR"}},
      {"DWORD", {K::kPrim, Prim::kUInt32, "DWORD"}},
      {"ULONG", {K::kPrim, Prim::kUInt32, "ULONG"}},
      {"UINT", {K::kPrim, Prim::kUInt32, "UINT"}},
      {"LONG", {K::kPrim, Prim::kInt32, "LONG"}},
      {"INT", {K::kPrim, Prim::kInt32, "INT"}},
      {"BOOL", {K::kPrim, Prim::kInt32, "BOOL"}},
      {"HRESULT", {K::kPrim, Prim::kInt32, "HRESULT"}},
      {"SCODE", {K::kPrim, Prim::kInt32, "SCODE"}},
      {"error_status_t", {K::kPrim, Prim::kUInt32, "error_status_t"}},
      {"LONGLONG", {K::kPrim, Prim::kInt64, "LONGLONG"}},
      {"ULONGLONG", {K::kPrim, Prim::kUInt64, "ULONGLONG"}},
      {"DWORDLONG", {K::kPrim, Prim::kUInt64, "DWORDLONG"}},
      {"FLOAT", {K::kPrim, Prim::kFloat, "float"}},
      {"DOUBLE", {K::kPrim, Prim::kDouble, "double"}},
      {"GUID", {K::kPrim, Prim::kGuid, "GUID"}},
      {"IID", {K::kPrim, Prim::kGuid, "IID"}},
      {"CLSID", {K::kPrim, Prim::kGuid, "CLSID"}},
      {"UUID", {K::kPrim, Prim::kGuid, "UUID"}},
      {"REFGUID", {K::kGuidRef, Prim::kGuid, "REFGUID"}},
      {"REFIID", {K::kGuidRef, Prim::kGuid, "REFIID"}},
      {"REFCLSID", {K::kGuidRef, Prim::kGuid, "REFCLSID"}},
      {"LPWSTR", {K::kString, Prim::kWchar, "LPWSTR"}},
      {"LPCWSTR", {K::kString, Prim::kWchar, "LPCWSTR"}},
      {"LPOLESTR", {K::kString, Prim::kWchar, "LPOLESTR"}},
      {"LPCOLESTR", {K::kString, Prim::kWchar, "LPCOLESTR"}},
      {"LPSTR", {K::kString, Prim::kChar, "LPSTR"}},
      {"LPCSTR", {K::kString, Prim::kChar, "LPCSTR"}},
      {"BSTR", {K::kBstr, Prim::kInt32, "BSTR"}},
      {"handle_t", {K::kHandle, Prim::kInt32, "handle_t"}},
  };
  return table;
}

}  // namespace

const BuiltinType* builtin_base(const std::string& canonical) {
  auto it = base_table().find(canonical);
  return it == base_table().end() ? nullptr : &it->second;
}

const BuiltinType* builtin_type(const std::string& name) {
  auto it = named_table().find(name);
  return it == named_table().end() ? nullptr : &it->second;
}

const std::vector<std::string>* header_struct_members(const std::string& tag) {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"_FILETIME", {"dwLowDateTime", "dwHighDateTime"}},  // guise/wtypes.h
  };
  auto it = table.find(tag);
  return it == table.end() ? nullptr : &it->second;
}

const char* system_import_header(const std::string& idl_name) {
  static const std::map<std::string, const char*> table = {
      {"unknwn.idl", "unknwn.h"},     {"wtypes.idl", "wtypes.h"},   {"wtypesbase.idl", "wtypes.h"},
      {"basetsd.idl", "wtypes.h"},    {"objidl.idl", "objbase.h"},  {"objidlbase.idl", "objbase.h"},
      {"oaidl.idl", "oleauto.h"},     {"ocidl.idl", "objbase.h"}};
  auto it = table.find(idl_name);
  return it == table.end() ? nullptr : it->second;
}

const char* header_declared_interface(const std::string& name) {
  static const std::map<std::string, const char*> table = {
      {"IClassFactory", "guise/objidl.h"},      {"IMallocSpy", "guise/objidl.h"},
      {"ISequentialStream", "guise/objidl.h"},  {"IStream", "guise/objidl.h"},
      {"IServerSecurity", "guise/objidl.h"},    {"IClientSecurity", "guise/objidl.h"},
      {"ICallFactory", "guise/objidl.h"},       {"ISynchronize", "guise/objidl.h"},
      {"ISynchronizeHandle", "guise/objidl.h"}, {"ICancelMethodCalls", "guise/objidl.h"}};
  auto it = table.find(name);
  return it == table.end() ? nullptr : it->second;
}

std::string cpp_spelling(const ast::TypeSpec& ts, const std::map<std::string, std::string>* builtin_struct_tags) {
  std::string out = ts.is_const ? "const " : "";
  switch (ts.kind) {
    case ast::TypeSpec::Kind::kBase: {
      const BuiltinType* b = builtin_base(ts.name);
      out += b ? b->cpp : ts.name;
      break;
    }
    case ast::TypeSpec::Kind::kNamed: out += ts.name; break;
    case ast::TypeSpec::Kind::kStruct:
      if (builtin_struct_tags != nullptr && builtin_struct_tags->count(ts.name)) {
        out += builtin_struct_tags->at(ts.name);
      } else {
        out += "struct " + ts.name;
      }
      break;
    case ast::TypeSpec::Kind::kUnion: out += "union " + ts.name; break;
    case ast::TypeSpec::Kind::kEnum: out += "enum " + ts.name; break;
  }
  return out;
}

bool parse_uuid(const std::string& text, IID& out) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  auto hex = [&](std::size_t pos, std::size_t len) {
    return static_cast<std::uint32_t>(std::stoul(text.substr(pos, len), nullptr, 16));
  };
  out.Data1 = hex(0, 8);
  out.Data2 = static_cast<std::uint16_t>(hex(9, 4));
  out.Data3 = static_cast<std::uint16_t>(hex(14, 4));
  out.Data4[0] = static_cast<std::uint8_t>(hex(19, 2));
  out.Data4[1] = static_cast<std::uint8_t>(hex(21, 2));
  for (int i = 0; i < 6; ++i) out.Data4[2 + i] = static_cast<std::uint8_t>(hex(24 + 2 * static_cast<std::size_t>(i), 2));
  return true;
}

std::string guid_initializer(const IID& g) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "0x%08X, 0x%04X, 0x%04X, 0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X",
                g.Data1, g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5],
                g.Data4[6], g.Data4[7]);
  return buf;
}

std::string guid_text(const IID& g) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", g.Data1, g.Data2, g.Data3,
                g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
  return buf;
}

}  // namespace guise::midl
