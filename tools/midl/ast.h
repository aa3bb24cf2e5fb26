// ast.h: the parse tree of one .idl file, exactly as written (no names resolved yet).
//
// The parser builds it; check.cpp resolves names, validates attributes and lowers it to the IR
// (ir.h). Nodes keep their source positions so later stages report errors at the user's text.
// Plain data.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "diagnostics.h"

namespace guise::midl::ast {

struct Expr {
  enum class Kind { kNumber, kChar, kString, kIdent, kUnary, kBinary, kTernary };
  Kind kind = Kind::kNumber;
  std::uint64_t number = 0;
  std::string text;  // identifier, string contents, or operator
  std::vector<std::shared_ptr<Expr>> operands;
  SourceLocation where;
};
using ExprPtr = std::shared_ptr<Expr>;

struct Attribute {
  std::string name;
  // Arguments; an omitted one (size_is(, n)) is nullptr.
  std::vector<ExprPtr> args;
  std::string uuid;  // uuid(...) / async_uuid(...)
  std::vector<std::string> words;  // pointer_default(unique), switch_type(long), ...: the raw words
  SourceLocation where;
};
using Attributes = std::vector<Attribute>;

struct StructDef;
struct UnionDef;
struct EnumDef;

struct TypeSpec {
  enum class Kind { kBase, kNamed, kStruct, kUnion, kEnum };
  Kind kind = Kind::kBase;
  std::string name;  // canonical base type ("unsigned long"), identifier, or tag
  bool is_const = false;
  std::shared_ptr<StructDef> struct_def;  // when a body was given here
  std::shared_ptr<UnionDef> union_def;
  std::shared_ptr<EnumDef> enum_def;
  SourceLocation where;
};

struct Declarator {
  int pointers = 0;
  bool const_pointer = false;  // "T* const p"
  std::string name;
  std::vector<ExprPtr> dims;  // [] is nullptr
  SourceLocation where;
};

// A structure member, union arm or parameter.
struct Field {
  Attributes attrs;
  TypeSpec type;
  Declarator decl;
};

struct StructDef {
  bool has_body = true;  // false for a reference "struct tag"
  std::string tag;
  std::vector<Field> members;
  Attributes attrs;
  SourceLocation where;
};

struct UnionCase {
  std::vector<ExprPtr> labels;
  bool is_default = false;
  std::optional<Field> arm;  // empty arm: "case 0: ;"
  SourceLocation where;
};

struct UnionDef {
  bool has_body = true;
  std::string tag;
  std::vector<UnionCase> cases;
  bool encapsulated = false;
  TypeSpec switch_type;     // encapsulated: union X switch (long d) u { ... }
  std::string switch_name;
  std::string union_name;   // default "tagged_union"
  Attributes attrs;
  SourceLocation where;
};

struct Enumerator {
  std::string name;
  ExprPtr value;  // may be null: previous + 1
  SourceLocation where;
};

struct EnumDef {
  bool has_body = true;
  std::string tag;
  std::vector<Enumerator> values;
  SourceLocation where;
};

struct Typedef {
  Attributes attrs;
  TypeSpec type;
  std::vector<Declarator> decls;
  SourceLocation where;
};

struct ConstDef {
  TypeSpec type;
  Declarator decl;
  ExprPtr value;
  SourceLocation where;
};

struct Method {
  Attributes attrs;
  TypeSpec ret;
  int ret_pointers = 0;
  std::string name;
  std::vector<Field> params;
  SourceLocation where;
};

struct CppQuote {
  std::string text;
  SourceLocation where;
};

struct Import {
  std::vector<std::string> files;
  SourceLocation where;
};

struct TypeDefinition {  // struct/union/enum declared on its own: "struct X { ... };"
  TypeSpec type;
};

// One entry of a coclass body: "[default] interface IFoo;" (or dispinterface, refused by the checker).
struct CoclassMember {
  Attributes attrs;
  bool dispinterface = false;
  std::string name;
  SourceLocation where;
};

// "[uuid(...)] coclass Foo { ... };": a class identifier and the interfaces the class exposes.
struct Coclass {
  Attributes attrs;
  std::string name;
  std::vector<CoclassMember> members;
  SourceLocation where;
};

// "importlib("stdole2.tlb");" inside a library: names a type library, which guise has no use for.
struct ImportLib {
  std::string file;
  SourceLocation where;
};

struct Interface;
struct Library;
using Item = std::variant<Import, CppQuote, std::shared_ptr<Interface>, Typedef, TypeDefinition, ConstDef, Method,
                          std::shared_ptr<Library>, Coclass, ImportLib>;

struct Interface {
  Attributes attrs;
  std::string name;
  std::string base;
  bool forward = false;
  std::vector<Item> items;
  SourceLocation where;
};

// "[uuid(...)] library FooLib { ... };": a LIBID and the definitions inside it (no type library is
// produced; see docs/idl.md).
struct Library {
  Attributes attrs;
  std::string name;
  std::vector<Item> items;
  SourceLocation where;
};

struct File {
  std::string path;
  std::vector<Item> items;
};

}  // namespace guise::midl::ast
