// checker.h: the checker's state and steps, shared by check.cpp (files, imports, constants,
// interfaces, methods) and check_types.cpp (types, fields, marshal plans, correlation). Internal to
// guise-midl; the public entry point is check.h.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builtins.h"
#include "check.h"

namespace guise::midl::detail {

using ir::Node;
using ir::NodePtr;
using ir::Prim;
using ir::PtrKind;


// One level of indirection between a declared name and its core type, outermost first.
struct Level {
  bool is_array = false;
  std::optional<std::uint64_t> fixed;  // arrays: [N]
  std::optional<PtrKind> ptr_attr;     // pointers: [ref]/[unique]/[ptr] given explicitly
  bool string = false;
  ast::ExprPtr size;                   // size_is / max_is for this level
  bool size_is_max = false;
  ast::ExprPtr length;                 // length_is for this level
};

enum class CoreKind { kPrim, kEnum, kStruct, kUnion, kInterface, kBstr, kVoid, kHandle };

struct Core {
  CoreKind kind = CoreKind::kPrim;
  Prim prim = Prim::kInt32;
  bool v1_enum = false;
  const ir::StructInfo* st = nullptr;
  const ir::UnionInfo* un = nullptr;
  const ir::Interface* itf = nullptr;
  std::string itf_name;
};

struct Symbol {
  enum class Kind { kTypedef, kInterface, kConstant, kCoclass };
  Kind kind = Kind::kTypedef;
  // kTypedef
  ast::Attributes attrs;
  ast::TypeSpec type;
  ast::Declarator decl;
  bool imported = false;
};

// How a correlation identifier may be used from the place that names it.
struct Scope {
  enum class Kind { kStruct, kParams } kind = Kind::kStruct;
  std::vector<std::string> names;      // members or parameters, in order
  std::vector<bool> in, out;           // parameters only
  std::size_t self = 0;                // index of the member/parameter being resolved
};

class Checker {
 public:
  Checker(const ImportLoader& loader, Diagnostics& diags) : loader_(loader), diags_(diags) {}

  std::unique_ptr<ir::Module> run(std::shared_ptr<ast::File> file, const std::string& base_name) {
    module_ = std::make_unique<ir::Module>();
    module_->base_name = base_name;
    module_->file = file;
    add_builtin_iunknown();
    process_file(*file, /*imported=*/false, /*top=*/true);
    module_->imported_files = std::move(imported_asts_);
    return std::move(module_);
  }

 private:
  void error(const SourceLocation& where, std::string message) { diags_.error(where, std::move(message)); }

  // ---- files and items -----------------------------------------------------------------------
  void process_file(const ast::File& file, bool imported, bool top);

  void process_item(const ast::Item& item, bool imported, bool top, ir::Interface* in_itf);

  void do_import(const std::string& name, const SourceLocation& where, bool top);

  void add_import_header(const std::string& header);

  void add_builtin_iunknown();

  // ---- constants -----------------------------------------------------------------------------
  void process_const(const ast::ConstDef& c);

  std::optional<std::int64_t> eval(const ast::ExprPtr& e);

  bool declare(const std::string& name, const SourceLocation& where, Symbol sym);

  // ---- types ---------------------------------------------------------------------------------
  void process_typedef(const ast::Typedef& td, bool imported);

  // A typedef whose structure body declares a GUID-kind built-in ("typedef struct _GUID {...} GUID"):
  // the body must have GUID's members; it is then the built-in, not a new structure.
  bool redeclares_builtin_struct(const ast::Typedef& td);
  // A typedef declarator naming a built-in (DWORD, LPWSTR, GUID...): accepted when it describes the
  // same C++ type and wire form as the built-in, which stays in force; an error otherwise.
  void check_builtin_redeclaration(const ast::Typedef& td, const ast::Declarator& d, const BuiltinType& b);

  void name_struct(const ast::StructDef* def, const std::string& name);
  void name_union(const ast::UnionDef* def, const std::string& name);

  // Defines the struct/union/enum bodies a type spec carries (recursively through members).
  void define_inline_types(const ast::TypeSpec& ts, const ast::Attributes& attrs, bool imported);

  void define_enum(const ast::EnumDef& def);

  void define_struct(const ast::StructDef& def, bool imported);

  void define_union(const ast::UnionDef& def, const ast::Attributes& attrs, bool imported);

  bool resolve_discriminant(const ast::TypeSpec& ts, ir::UnionInfo* info, const SourceLocation& where);

  static int alignment(const Node& n);

  static bool has_pointers(const Node& n);

  // Expands a type spec (through typedefs) into levels and a core; the declarator's own levels come
  // first (outermost), then the typedef's.
  bool expand(const ast::TypeSpec& ts, const ast::Declarator& decl, std::vector<Level>& levels, Core& core,
              const SourceLocation& where, int depth = 0);

  bool apply_builtin(const BuiltinType& b, std::vector<Level>& levels, Core& core);

  // ---- fields and parameters -----------------------------------------------------------------
  NodePtr resolve_field(const ast::Field& f, const Scope& scope, bool is_param, PtrKind pointer_default);

  NodePtr build(const std::vector<Level>& levels, std::size_t i, const Core& core, const ast::Field& f, bool is_param,
                PtrKind pointer_default, const ast::ExprPtr& switch_is, const ast::ExprPtr& iid_is);

  bool check_array_element(const Node& elem, const SourceLocation& where, const std::string& name);

  // Identifiers in a correlation expression must name a member/parameter (or a constant), and the
  // value must be known where it is decoded (see docs/idl.md, "Correlation").
  bool check_correlation(const ast::ExprPtr& e, const Scope& scope, const char* what);

  // ---- interfaces ----------------------------------------------------------------------------
  void process_interface(const ast::Interface& a, bool imported);

  // ---- libraries and coclasses (check_library.cpp) ---------------------------------------------
  void process_library(const ast::Library& a, bool imported, bool top);
  void process_coclass(const ast::Coclass& a, bool imported);
  // The uuid(...) of a library or coclass (required); reports a missing or malformed one.
  std::optional<IID> required_uuid(const ast::Attributes& attrs, const std::string& what, const SourceLocation& where);

  void process_method(const ast::Method& m, ir::Interface* itf, PtrKind pointer_default, std::set<std::string>& names);

  std::string header_decl(const ast::Field& p, const std::string& name);

  // REFIID, REFGUID, REFCLSID, or a typedef of one (REFIPID): a C++ reference in the signature.
  bool is_guid_reference(const std::string& name, int depth = 0);

  std::string param_cpp_type(const ast::Field& p);

  const ImportLoader& loader_;
  Diagnostics& diags_;
  std::unique_ptr<ir::Module> module_;
  std::map<std::string, Symbol> symbols_;
  std::map<std::string, const ir::StructInfo*> struct_tags_;
  std::map<std::string, const ir::StructInfo*> encapsulated_tags_;
  std::map<std::string, const ir::UnionInfo*> union_tags_;
  std::set<std::string> enum_tags_;
  std::set<const ir::StructInfo*> building_;
  std::set<std::string> imported_files_;
  std::vector<std::shared_ptr<ast::File>> imported_asts_;
  int import_depth_ = 0;
};

}  // namespace guise::midl::detail
