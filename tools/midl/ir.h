// ir.h: the checked intermediate representation: what to marshal, and how (the marshal plan).
//
// check.cpp builds it from the AST after resolving every name and validating every attribute, so
// the back ends never meet an unknown type or a contradictory attribute. A Node says how one value
// travels in NDR (C706 §14): a primitive, a structure, a union, a pointer with its kind, an array
// with its shape (fixed / conformant / varying, with the correlation expressions that size it), a
// string, a BSTR or an interface pointer. Correlation expressions stay as AST expressions; the back
// end prints them in the scope where they are evaluated. Plain data; shared_ptr for sharing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ast.h"
#include "guise/guiddef.h"

namespace guise::midl::ir {

enum class Prim { kInt8, kUInt8, kChar, kInt16, kUInt16, kWchar, kInt32, kUInt32, kInt64, kUInt64, kFloat, kDouble, kGuid };

int prim_wire_size(Prim p);
int prim_alignment(Prim p);

enum class PtrKind { kRef, kUnique, kFull };

struct StructInfo;
struct UnionInfo;

struct Node {
  enum class Kind { kPrim, kEnum, kStruct, kUnion, kPointer, kArray, kString, kBstr, kInterface, kHandle };
  Kind kind = Kind::kPrim;
  Prim prim = Prim::kInt32;  // kPrim; kString: kChar or kWchar (or kUInt8 for byte strings)
  bool v1_enum = false;      // kEnum
  const StructInfo* st = nullptr;
  const UnionInfo* un = nullptr;
  ast::ExprPtr switch_is;    // kUnion (non-encapsulated)
  PtrKind ptr = PtrKind::kUnique;  // kPointer
  std::shared_ptr<Node> target;    // kPointer: referent; kArray: element
  // kArray
  std::optional<std::uint64_t> fixed;  // [N]
  ast::ExprPtr size;    // size_is / max_is+1 (conformant)
  bool size_is_max = false;  // size came from max_is: count = value + 1
  ast::ExprPtr length;  // length_is (varying)
  // kInterface
  std::string iid_cpp;        // "IID_IFoo" when static
  ast::ExprPtr iid_is;        // dynamic
  bool is_conformant() const { return kind == Kind::kArray && !fixed; }
  bool is_varying() const { return kind == Kind::kArray && length != nullptr; }
};
using NodePtr = std::shared_ptr<Node>;

struct Member {
  std::string name;
  NodePtr node;
  SourceLocation where;
};

struct StructInfo {
  std::string cpp_name;   // how C++ names the type ("FOO" or "struct _FOO")
  std::vector<Member> members;
  int align = 1;
  bool conformant = false;  // the last member is a conformant (or conformant varying) array
  bool has_pointers = false;
  // An encapsulated union (union X switch (T d) u {...}): members = {d, u}; u's node is a kUnion.
  bool imported = false;
  SourceLocation where;
};

struct UnionArm {
  std::vector<std::int64_t> labels;
  bool is_default = false;
  std::optional<Member> arm;
};

struct UnionInfo {
  std::string cpp_name;   // empty for the union inside an encapsulated union
  Prim discriminant = Prim::kInt32;
  bool discriminant_is_enum = false;
  std::vector<UnionArm> arms;
  int arm_align = 1;
  bool has_pointers = false;
  bool imported = false;
  SourceLocation where;
};

struct Param {
  std::string name;
  std::string cpp_type;     // as spelled in the C++ signature ("LONG*", "REFIID")
  bool in = false;
  bool out = false;
  bool retval = false;
  bool by_reference = false;  // REFIID & co: a [ref] pointer in IDL, a C++ reference in the signature
  std::string header_decl;    // the declaration as the header prints it ("LONG a[]", "REFIID riid")
  NodePtr node;             // the whole parameter; for a top-level [ref] pointer, a kPointer kRef node
  SourceLocation where;
};

struct Method {
  std::string name;         // C++ name (get_X for [propget] X)
  std::string cpp_return;   // "HRESULT", "error_status_t", "void"...
  NodePtr ret;              // null for void
  std::vector<Param> params;
  std::uint16_t opnum = 0;
  SourceLocation where;
};

struct Interface {
  std::string name;
  IID iid{};
  bool has_uuid = false;
  std::optional<IID> async_iid;
  bool object = false;
  bool local = false;
  std::string base;           // "" for none
  const Interface* base_itf = nullptr;
  std::vector<Method> methods;  // own methods only
  std::uint16_t first_opnum = 0;  // IUnknown-derived: count of inherited methods
  std::uint16_t version_major = 0;
  std::uint16_t version_minor = 0;
  bool imported = false;
  bool predeclared = false;   // declared by include/guise (IUnknown): no header declaration
  // Defined by the IDL but also declared by this include/guise header (ISynchronize): marshaled as
  // any other interface, only its header declaration is left out.
  const char* declared_by = nullptr;
  SourceLocation where;
};

// "[uuid(...)] library L { ... }": LIBID_L. No type library is produced.
struct Library {
  std::string name;
  IID libid{};
  bool imported = false;
  SourceLocation where;
};

// "[uuid(...)] coclass C { interface I; ... }": CLSID_C and the interfaces the class lists.
struct Coclass {
  std::string name;
  IID clsid{};
  std::vector<std::string> interfaces;  // in declaration order
  std::string default_interface;        // [default], else the first listed
  bool imported = false;
  SourceLocation where;
};

// All that the back ends need for one compiled file (and what it imported).
struct Module {
  std::string base_name;  // "foo" for foo.idl
  std::shared_ptr<ast::File> file;  // the main file's AST (header order)
  std::vector<std::shared_ptr<ast::File>> imported_files;  // kept alive: the IR points into them
  std::vector<std::string> import_headers;  // #include lines for imports, in order
  // Owned definitions; the main file's are those with imported == false.
  std::vector<std::unique_ptr<StructInfo>> structs;
  std::vector<std::unique_ptr<UnionInfo>> unions;
  std::vector<std::unique_ptr<Interface>> interfaces;
  std::map<std::string, const Interface*> interface_by_name;
  std::map<const ast::StructDef*, const StructInfo*> struct_by_def;
  std::map<const ast::UnionDef*, const StructInfo*> encapsulated_by_def;
  std::map<const ast::UnionDef*, const UnionInfo*> union_by_def;
  std::map<std::string, std::int64_t> constants;
  std::map<std::string, const Library*> library_by_name;
  std::map<std::string, const Coclass*> coclass_by_name;
  std::vector<std::unique_ptr<Library>> libraries;
  std::vector<std::unique_ptr<Coclass>> coclasses;
  // Built-in Windows types (DWORD, GUID, LPWSTR...) the IDL declares itself, as MS-DTYP-style protocol
  // IDLs do: include/guise already declares them, so the header prints no declaration for these names,
  // and a structure body that redeclares GUID is printed as GUID.
  std::set<std::string> builtin_redeclarations;
  std::set<const ast::StructDef*> builtin_struct_defs;
  std::map<std::string, std::string> builtin_struct_tags;  // "_GUID" → "GUID"
};

}  // namespace guise::midl::ir
