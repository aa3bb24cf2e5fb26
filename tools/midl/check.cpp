#include "check.h"

#include <algorithm>
#include <functional>
#include <set>

#include "builtins.h"
#include "const_eval.h"

namespace guise::midl {
namespace {

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

enum class CoreKind { kPrim, kEnum, kStruct, kUnion, kEncapsulated, kInterface, kBstr, kVoid, kHandle };

struct Core {
  CoreKind kind = CoreKind::kPrim;
  Prim prim = Prim::kInt32;
  bool v1_enum = false;
  const ir::StructInfo* st = nullptr;
  const ir::UnionInfo* un = nullptr;
  const ir::Interface* itf = nullptr;
  std::string itf_name;
  ast::ExprPtr switch_type_hint;  // unused; kept for symmetry
};

struct Symbol {
  enum class Kind { kTypedef, kInterface, kConstant };
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
  void process_file(const ast::File& file, bool imported, bool top) {
    for (const auto& item : file.items) process_item(item, imported, top, nullptr);
  }

  void process_item(const ast::Item& item, bool imported, bool top, ir::Interface* in_itf) {
    if (auto* imp = std::get_if<ast::Import>(&item)) {
      for (const auto& name : imp->files) do_import(name, imp->where, top);
    } else if (std::get_if<ast::CppQuote>(&item)) {
      // Passed to the header verbatim; nothing to check.
    } else if (auto* itf = std::get_if<std::shared_ptr<ast::Interface>>(&item)) {
      process_interface(**itf, imported);
    } else if (auto* td = std::get_if<ast::Typedef>(&item)) {
      process_typedef(*td, imported);
    } else if (auto* def = std::get_if<ast::TypeDefinition>(&item)) {
      define_inline_types(def->type, ast::Attributes{}, imported);
    } else if (auto* c = std::get_if<ast::ConstDef>(&item)) {
      process_const(*c);
    } else if (auto* m = std::get_if<ast::Method>(&item)) {
      if (in_itf == nullptr) {
        error(m->where, "methods may only appear inside an interface");
      }
    }
  }

  void do_import(const std::string& name, const SourceLocation& where, bool top) {
    if (const char* header = system_import_header(name)) {
      if (top) add_import_header(std::string("guise/") + header);
      return;
    }
    if (!imported_files_.insert(name).second) return;
    if (++import_depth_ > 32) {
      error(where, "imports nested too deeply at '" + name + "'");
      --import_depth_;
      return;
    }
    std::shared_ptr<ast::File> file = loader_ ? loader_(name, where) : nullptr;
    if (file == nullptr) {
      if (loader_) error(where, "cannot import '" + name + "': file not found on the import path");
      else error(where, "imports are not available here");
    } else {
      imported_asts_.push_back(file);
      process_file(*file, /*imported=*/true, /*top=*/false);
    }
    --import_depth_;
    if (top) {
      std::string stem = name;
      if (auto slash = stem.find_last_of('/'); slash != std::string::npos) stem = stem.substr(slash + 1);
      if (stem.size() > 4 && stem.substr(stem.size() - 4) == ".idl") stem.resize(stem.size() - 4);
      add_import_header(stem + ".h");
    }
  }

  void add_import_header(const std::string& header) {
    for (const auto& h : module_->import_headers) {
      if (h == header) return;
    }
    module_->import_headers.push_back(header);
  }

  void add_builtin_iunknown() {
    auto itf = std::make_unique<ir::Interface>();
    itf->name = "IUnknown";
    itf->iid = IID{0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
    itf->has_uuid = true;
    itf->object = true;
    itf->local = true;
    itf->imported = true;
    itf->predeclared = true;
    // QueryInterface, AddRef, Release: opnums 0..2; never marshaled (IRemUnknown does that).
    for (const char* n : {"QueryInterface", "AddRef", "Release"}) {
      ir::Method m;
      m.name = n;
      itf->methods.push_back(m);
    }
    module_->interface_by_name["IUnknown"] = itf.get();
    symbols_["IUnknown"] = Symbol{Symbol::Kind::kInterface, {}, {}, {}, true};
    module_->interfaces.push_back(std::move(itf));
  }

  // ---- constants -----------------------------------------------------------------------------
  void process_const(const ast::ConstDef& c) {
    if (!declare(c.decl.name, c.decl.where, Symbol{Symbol::Kind::kConstant, {}, {}, {}, false})) return;
    if (c.value->kind == ast::Expr::Kind::kString) return;  // string constants: header only
    auto v = eval(c.value);
    if (v) module_->constants[c.decl.name] = *v;
  }

  std::optional<std::int64_t> eval(const ast::ExprPtr& e) {
    std::string message;
    SourceLocation where;
    auto v = evaluate_constant(*e, module_->constants, message, where);
    if (!v) error(where, message);
    return v;
  }

  bool declare(const std::string& name, const SourceLocation& where, Symbol sym) {
    if (name.empty()) return true;
    if (symbols_.count(name) || module_->constants.count(name)) {
      error(where, "'" + name + "' is already defined");
      return false;
    }
    symbols_[name] = std::move(sym);
    return true;
  }

  // ---- types ---------------------------------------------------------------------------------
  void process_typedef(const ast::Typedef& td, bool imported) {
    for (const auto& a : td.attrs) {
      static const std::set<std::string> allowed = {"string", "unique", "ref", "ptr", "v1_enum", "switch_type", "public"};
      if (!allowed.count(a.name)) {
        error(a.where, "typedef attribute '" + a.name + "' is not supported by guise-midl");
      }
    }
    define_inline_types(td.type, td.attrs, imported);
    for (const auto& d : td.decls) {
      if (builtin_type(d.name) != nullptr) {
        error(d.where, "'" + d.name + "' is a built-in type and cannot be redefined");
        continue;
      }
      declare(d.name, d.where, Symbol{Symbol::Kind::kTypedef, td.attrs, td.type, d, imported});
      // A typedef naming a struct/union directly gives the C++ name MIDL gives it.
      if (d.pointers == 0 && d.dims.empty()) {
        if (td.type.struct_def && td.type.struct_def->has_body) name_struct(td.type.struct_def.get(), d.name);
        if (td.type.union_def && td.type.union_def->has_body) name_union(td.type.union_def.get(), d.name);
      }
    }
  }

  void name_struct(const ast::StructDef* def, const std::string& name) {
    auto it = module_->struct_by_def.find(def);
    if (it != module_->struct_by_def.end()) const_cast<ir::StructInfo*>(it->second)->cpp_name = name;
  }
  void name_union(const ast::UnionDef* def, const std::string& name) {
    auto jt = module_->encapsulated_by_def.find(def);
    if (jt != module_->encapsulated_by_def.end()) {
      // The structure is the named type; its inner union stays anonymous (marshaled inline).
      const_cast<ir::StructInfo*>(jt->second)->cpp_name = name;
      return;
    }
    auto it = module_->union_by_def.find(def);
    if (it != module_->union_by_def.end()) const_cast<ir::UnionInfo*>(it->second)->cpp_name = name;
  }

  // Defines the struct/union/enum bodies a type spec carries (recursively through members).
  void define_inline_types(const ast::TypeSpec& ts, const ast::Attributes& attrs, bool imported) {
    if (ts.struct_def && ts.struct_def->has_body) define_struct(*ts.struct_def, imported);
    if (ts.union_def && ts.union_def->has_body) define_union(*ts.union_def, attrs, imported);
    if (ts.enum_def && ts.enum_def->has_body) define_enum(*ts.enum_def);
  }

  void define_enum(const ast::EnumDef& def) {
    if (!def.tag.empty() && !enum_tags_.insert(def.tag).second) {
      error(def.where, "enum '" + def.tag + "' is already defined");
      return;
    }
    std::int64_t next = 0;
    for (const auto& e : def.values) {
      if (e.value) {
        auto v = eval(e.value);
        if (v) next = *v;
      }
      if (module_->constants.count(e.name) || symbols_.count(e.name)) {
        error(e.where, "'" + e.name + "' is already defined");
      } else {
        module_->constants[e.name] = next;
      }
      ++next;
    }
  }

  void define_struct(const ast::StructDef& def, bool imported) {
    if (!def.tag.empty()) {
      if (struct_tags_.count(def.tag)) {
        error(def.where, "struct '" + def.tag + "' is already defined");
        return;
      }
    }
    auto info = std::make_unique<ir::StructInfo>();
    info->cpp_name = def.tag.empty() ? std::string() : "struct " + def.tag;
    info->imported = imported;
    info->where = def.where;
    ir::StructInfo* raw = info.get();
    module_->structs.push_back(std::move(info));
    module_->struct_by_def[&def] = raw;
    if (!def.tag.empty()) struct_tags_[def.tag] = raw;
    building_.insert(raw);
    if (def.members.empty()) error(def.where, "a structure needs at least one member");
    Scope scope;
    for (const auto& m : def.members) scope.names.push_back(m.decl.name);
    int align = 1;
    for (std::size_t i = 0; i < def.members.size(); ++i) {
      const auto& m = def.members[i];
      define_inline_types(m.type, m.attrs, imported);
      scope.self = i;
      NodePtr node = resolve_field(m, scope, /*is_param=*/false, PtrKind::kUnique);
      if (!node) continue;
      if (node->kind == Node::Kind::kHandle) {
        error(m.decl.where, "handle_t cannot be a structure member");
        continue;
      }
      if (node->is_conformant()) {
        if (i + 1 != def.members.size()) {
          error(m.decl.where, "conformant array '" + m.decl.name + "' must be the last member of its structure");
        }
        raw->conformant = true;
        align = std::max(align, 4);
      }
      if (node->kind == Node::Kind::kStruct && node->st->conformant) {
        error(m.decl.where, "a conformant structure ('" + m.decl.name + "') cannot be embedded in another structure in guise-midl; use a pointer");
      }
      align = std::max(align, alignment(*node));
      if (has_pointers(*node)) raw->has_pointers = true;
      raw->members.push_back(ir::Member{m.decl.name, node, m.decl.where});
    }
    raw->align = align;
    building_.erase(raw);
  }

  void define_union(const ast::UnionDef& def, const ast::Attributes& attrs, bool imported) {
    auto info = std::make_unique<ir::UnionInfo>();
    info->imported = imported;
    info->where = def.where;
    ir::UnionInfo* raw = info.get();
    module_->unions.push_back(std::move(info));
    module_->union_by_def[&def] = raw;
    if (def.encapsulated) {
      // Discriminant type from "switch (type name)".
      Core core;
      if (!resolve_discriminant(def.switch_type, raw, def.where)) return;
    } else {
      raw->cpp_name = def.tag.empty() ? std::string() : "union " + def.tag;
      bool have_switch_type = false;
      for (const auto& a : attrs) {
        if (a.name == "switch_type") {
          have_switch_type = true;
          ast::TypeSpec ts;
          ts.where = a.where;
          std::string w = a.words.empty() ? std::string() : a.words[0];
          if (builtin_type(w) || symbols_.count(w)) {
            ts.kind = ast::TypeSpec::Kind::kNamed;
          } else {
            ts.kind = ast::TypeSpec::Kind::kBase;
          }
          ts.name = w;
          if (!resolve_discriminant(ts, raw, a.where)) return;
        }
      }
      for (const auto& a : def.attrs) {
        if (a.name == "switch_type") have_switch_type = true;
      }
      if (!have_switch_type) raw->discriminant = Prim::kInt32;  // C706: default long discriminant
    }
    if (!def.tag.empty()) union_tags_[def.tag] = raw;
    std::set<std::int64_t> seen;
    bool have_default = false;
    Scope scope;
    for (const auto& c : def.cases) {
      if (c.arm) scope.names.push_back(c.arm->decl.name);
    }
    int arm_align = 1;
    for (const auto& c : def.cases) {
      ir::UnionArm arm;
      arm.is_default = c.is_default;
      if (c.is_default) {
        if (have_default) error(c.where, "a union may have only one default arm");
        have_default = true;
      }
      for (const auto& label : c.labels) {
        auto v = eval(label);
        if (!v) continue;
        if (!seen.insert(*v).second) error(label->where, "duplicate case value " + std::to_string(*v));
        arm.labels.push_back(*v);
      }
      if (c.arm) {
        define_inline_types(c.arm->type, c.arm->attrs, imported);
        NodePtr node = resolve_field(*c.arm, scope, false, PtrKind::kUnique);
        if (node) {
          if (node->is_conformant()) error(c.arm->decl.where, "a union arm cannot be a conformant array");
          arm_align = std::max(arm_align, alignment(*node));
          if (has_pointers(*node)) raw->has_pointers = true;
          arm.arm = ir::Member{c.arm->decl.name, node, c.arm->decl.where};
        }
      }
      raw->arms.push_back(std::move(arm));
    }
    raw->arm_align = arm_align;
    if (def.encapsulated) {
      // The encapsulated union is the structure {discriminant; union}.
      auto st = std::make_unique<ir::StructInfo>();
      st->cpp_name = def.tag.empty() ? std::string() : "struct " + def.tag;
      st->imported = imported;
      st->where = def.where;
      auto disc = std::make_shared<Node>();
      if (raw->discriminant_is_enum) {
        disc->kind = Node::Kind::kEnum;
      } else {
        disc->kind = Node::Kind::kPrim;
        disc->prim = raw->discriminant;
      }
      st->members.push_back(ir::Member{def.switch_name, disc, def.where});
      auto u = std::make_shared<Node>();
      u->kind = Node::Kind::kUnion;
      u->un = raw;
      auto sw = std::make_shared<ast::Expr>();
      sw->kind = ast::Expr::Kind::kIdent;
      sw->text = def.switch_name;
      sw->where = def.where;
      u->switch_is = sw;
      st->members.push_back(ir::Member{def.union_name.empty() ? "tagged_union" : def.union_name, u, def.where});
      st->align = std::max(alignment(*disc), arm_align);
      st->has_pointers = raw->has_pointers;
      module_->encapsulated_by_def[&def] = st.get();
      if (!def.tag.empty()) encapsulated_tags_[def.tag] = st.get();
      module_->structs.push_back(std::move(st));
    }
  }

  bool resolve_discriminant(const ast::TypeSpec& ts, ir::UnionInfo* info, const SourceLocation& where) {
    ast::Declarator none;
    std::vector<Level> levels;
    Core core;
    if (!expand(ts, none, levels, core, where)) return false;
    if (!levels.empty() || (core.kind != CoreKind::kPrim && core.kind != CoreKind::kEnum) ||
        (core.kind == CoreKind::kPrim && (core.prim == Prim::kFloat || core.prim == Prim::kDouble || core.prim == Prim::kGuid ||
                                          core.prim == Prim::kInt64 || core.prim == Prim::kUInt64))) {
      error(where, "a union discriminant must be an integer, char, boolean or enum type");
      return false;
    }
    info->discriminant = core.kind == CoreKind::kEnum ? (core.v1_enum ? Prim::kInt32 : Prim::kUInt16) : core.prim;
    info->discriminant_is_enum = core.kind == CoreKind::kEnum;
    return true;
  }

  static int alignment(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kPrim: return ir::prim_alignment(n.prim);
      case Node::Kind::kEnum: return n.v1_enum ? 4 : 2;
      case Node::Kind::kStruct: return n.st->align;
      case Node::Kind::kUnion: return std::max(ir::prim_alignment(n.un->discriminant), n.un->arm_align);
      case Node::Kind::kArray: {
        int a = alignment(*n.target);
        if (n.is_varying()) a = std::max(a, 4);
        return a;
      }
      case Node::Kind::kHandle: return 1;
      default: return 4;  // pointers, strings, BSTR, interface pointers: a 4-byte referent id
    }
  }

  static bool has_pointers(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kStruct: return n.st->has_pointers;
      case Node::Kind::kUnion: return n.un->has_pointers;
      case Node::Kind::kArray: return has_pointers(*n.target);
      case Node::Kind::kPointer:
      case Node::Kind::kString:
      case Node::Kind::kBstr:
      case Node::Kind::kInterface: return true;
      default: return false;
    }
  }

  // Expands a type spec (through typedefs) into levels and a core; the declarator's own levels come
  // first (outermost), then the typedef's.
  bool expand(const ast::TypeSpec& ts, const ast::Declarator& decl, std::vector<Level>& levels, Core& core,
              const SourceLocation& where, int depth = 0) {
    if (depth > 32) {
      error(where, "typedefs nested too deeply");
      return false;
    }
    for (const auto& d : decl.dims) {
      Level l;
      l.is_array = true;
      if (d) {
        auto v = eval(d);
        if (!v) return false;
        if (*v <= 0 || *v > 0x7FFFFFFF) {
          error(d->where, "array size must be positive and fit in 31 bits");
          return false;
        }
        l.fixed = static_cast<std::uint64_t>(*v);
      }
      levels.push_back(l);
    }
    for (int i = 0; i < decl.pointers; ++i) levels.push_back(Level{});
    switch (ts.kind) {
      case ast::TypeSpec::Kind::kBase: {
        const BuiltinType* b = builtin_base(ts.name);
        if (b == nullptr) {
          error(ts.where, "type '" + ts.name + "' is not supported by guise-midl");
          return false;
        }
        return apply_builtin(*b, levels, core);
      }
      case ast::TypeSpec::Kind::kStruct: {
        const ir::StructInfo* st = nullptr;
        if (ts.struct_def && ts.struct_def->has_body) {
          auto it = module_->struct_by_def.find(ts.struct_def.get());
          if (it != module_->struct_by_def.end()) st = it->second;
        } else {
          auto it = struct_tags_.find(ts.name);
          if (it != struct_tags_.end()) st = it->second;
          auto jt = encapsulated_tags_.find(ts.name);
          if (jt != encapsulated_tags_.end()) st = jt->second;
        }
        if (st == nullptr) {
          error(ts.where, "unknown structure '" + ts.name + "'");
          return false;
        }
        core.kind = CoreKind::kStruct;
        core.st = st;
        return true;
      }
      case ast::TypeSpec::Kind::kUnion: {
        if (ts.union_def && ts.union_def->has_body) {
          auto enc = module_->encapsulated_by_def.find(ts.union_def.get());
          if (enc != module_->encapsulated_by_def.end()) {
            core.kind = CoreKind::kStruct;
            core.st = enc->second;
            return true;
          }
          auto it = module_->union_by_def.find(ts.union_def.get());
          if (it != module_->union_by_def.end()) {
            core.kind = CoreKind::kUnion;
            core.un = it->second;
            return true;
          }
        } else {
          auto enc = encapsulated_tags_.find(ts.name);
          if (enc != encapsulated_tags_.end()) {
            core.kind = CoreKind::kStruct;
            core.st = enc->second;
            return true;
          }
          auto it = union_tags_.find(ts.name);
          if (it != union_tags_.end()) {
            core.kind = CoreKind::kUnion;
            core.un = it->second;
            return true;
          }
        }
        error(ts.where, "unknown union '" + ts.name + "'");
        return false;
      }
      case ast::TypeSpec::Kind::kEnum: {
        if (!(ts.enum_def && ts.enum_def->has_body) && !enum_tags_.count(ts.name)) {
          error(ts.where, "unknown enum '" + ts.name + "'");
          return false;
        }
        core.kind = CoreKind::kEnum;
        return true;
      }
      case ast::TypeSpec::Kind::kNamed: break;
    }
    auto sym = symbols_.find(ts.name);
    if (sym == symbols_.end()) {
      if (const BuiltinType* b = builtin_type(ts.name)) return apply_builtin(*b, levels, core);
      error(ts.where, "unknown type '" + ts.name + "'");
      return false;
    }
    if (sym->second.kind == Symbol::Kind::kInterface) {
      core.kind = CoreKind::kInterface;
      core.itf_name = ts.name;
      auto it = module_->interface_by_name.find(ts.name);
      if (it != module_->interface_by_name.end()) core.itf = it->second;
      return true;
    }
    if (sym->second.kind != Symbol::Kind::kTypedef) {
      error(ts.where, "'" + ts.name + "' is not a type");
      return false;
    }
    const Symbol& s = sym->second;
    const std::size_t first_typedef_level = levels.size();
    if (!expand(s.type, s.decl, levels, core, where, depth + 1)) return false;
    // Typedef attributes apply to the typedef's outermost level, or to its core.
    for (const auto& a : s.attrs) {
      if (a.name == "v1_enum") core.v1_enum = true;
      if (first_typedef_level < levels.size()) {
        Level& l = levels[first_typedef_level];
        if (a.name == "unique") l.ptr_attr = PtrKind::kUnique;
        if (a.name == "ref") l.ptr_attr = PtrKind::kRef;
        if (a.name == "ptr") l.ptr_attr = PtrKind::kFull;
      }
      if (a.name == "string" && !levels.empty()) levels.back().string = true;
    }
    return true;
  }

  bool apply_builtin(const BuiltinType& b, std::vector<Level>& levels, Core& core) {
    switch (b.kind) {
      case BuiltinType::Kind::kPrim:
        core.kind = CoreKind::kPrim;
        core.prim = b.prim;
        return true;
      case BuiltinType::Kind::kString: {
        Level l;
        l.string = true;
        levels.push_back(l);
        core.kind = CoreKind::kPrim;
        core.prim = b.prim;
        return true;
      }
      case BuiltinType::Kind::kGuidRef: {
        // REFIID & co: a [ref] pointer to a GUID in IDL, a C++ reference in the header.
        Level ref;
        ref.ptr_attr = PtrKind::kRef;
        levels.push_back(ref);
        core.kind = CoreKind::kPrim;
        core.prim = Prim::kGuid;
        return true;
      }
      case BuiltinType::Kind::kBstr: core.kind = CoreKind::kBstr; return true;
      case BuiltinType::Kind::kVoid: core.kind = CoreKind::kVoid; return true;
      case BuiltinType::Kind::kHandle: core.kind = CoreKind::kHandle; return true;
    }
    return false;
  }

  // ---- fields and parameters -----------------------------------------------------------------
  NodePtr resolve_field(const ast::Field& f, const Scope& scope, bool is_param, PtrKind pointer_default) {
    std::vector<Level> levels;
    Core core;
    if (!expand(f.type, f.decl, levels, core, f.decl.where)) return nullptr;
    ast::ExprPtr switch_is, iid_is;
    std::vector<ast::ExprPtr> sizes, lengths, maxes;
    bool string = false;
    std::optional<PtrKind> ptr_attr;
    for (const auto& a : f.attrs) {
      const std::string& n = a.name;
      if (n == "in" || n == "out" || n == "retval" || n == "optional") continue;
      if (n == "size_is") sizes = a.args;
      else if (n == "length_is") lengths = a.args;
      else if (n == "max_is") maxes = a.args;
      else if (n == "string") string = true;
      else if (n == "unique") ptr_attr = PtrKind::kUnique;
      else if (n == "ref") ptr_attr = PtrKind::kRef;
      else if (n == "ptr") ptr_attr = PtrKind::kFull;
      else if (n == "switch_is") switch_is = a.args.empty() ? nullptr : a.args[0];
      else if (n == "iid_is") iid_is = a.args.empty() ? nullptr : a.args[0];
      else if (n == "switch_type") continue;  // on a union arm or member: MIDL allows, we take it from the union
      else {
        error(a.where, "attribute '" + n + "' is not supported by guise-midl here");
        return nullptr;
      }
      if ((n == "switch_is" || n == "iid_is") && a.args.size() != 1) {
        error(a.where, "'" + n + "' takes exactly one expression");
        return nullptr;
      }
    }
    // Parameters: a top-level array is passed by reference (MIDL semantics).
    if (is_param && !levels.empty() && levels[0].is_array) {
      Level ptr;
      ptr.ptr_attr = PtrKind::kRef;
      Level arr = levels[0];
      levels[0] = ptr;
      levels.insert(levels.begin() + 1, arr);
      // size_is(n) on "T a[]" sizes the array, which now sits at level 1.
      if (!sizes.empty()) sizes.insert(sizes.begin(), nullptr);
      if (!lengths.empty()) lengths.insert(lengths.begin(), nullptr);
      if (!maxes.empty()) maxes.insert(maxes.begin(), nullptr);
    }
    if (ptr_attr) {
      if (levels.empty() || levels[0].is_array) {
        error(f.decl.where, "pointer attribute on '" + f.decl.name + "', which is not a pointer");
        return nullptr;
      }
      levels[0].ptr_attr = ptr_attr;
    }
    // size_is/length_is/max_is arguments go to successive pointer/array levels from the outside.
    auto assign = [&](const std::vector<ast::ExprPtr>& args, const char* what, bool is_max, bool is_length) -> bool {
      if (args.size() > levels.size()) {
        error(f.decl.where, std::string(what) + " on '" + f.decl.name + "' has more arguments than it has pointer or array levels");
        return false;
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (!args[i]) continue;
        if (!check_correlation(args[i], scope, what)) return false;
        if (is_length) {
          levels[i].length = args[i];
        } else {
          levels[i].size = args[i];
          levels[i].size_is_max = is_max;
        }
      }
      return true;
    };
    if (!assign(sizes, "size_is", false, false) || !assign(maxes, "max_is", true, false) ||
        !assign(lengths, "length_is", false, true)) {
      return nullptr;
    }
    if (switch_is && !check_correlation(switch_is, scope, "switch_is")) return nullptr;
    if (iid_is && !check_correlation(iid_is, scope, "iid_is")) return nullptr;
    if (string) {
      if (levels.empty()) {
        error(f.decl.where, "[string] on '" + f.decl.name + "', which is not a pointer or array");
        return nullptr;
      }
      levels.back().string = true;
    }
    return build(levels, 0, core, f, is_param, pointer_default, switch_is, iid_is);
  }

  NodePtr build(const std::vector<Level>& levels, std::size_t i, const Core& core, const ast::Field& f, bool is_param,
                PtrKind pointer_default, const ast::ExprPtr& switch_is, const ast::ExprPtr& iid_is) {
    const std::string& name = f.decl.name;
    const SourceLocation& where = f.decl.where;
    auto n = std::make_shared<Node>();
    if (i == levels.size()) {
      switch (core.kind) {
        case CoreKind::kPrim: n->kind = Node::Kind::kPrim; n->prim = core.prim; break;
        case CoreKind::kEnum: n->kind = Node::Kind::kEnum; n->v1_enum = core.v1_enum; break;
        case CoreKind::kStruct:
          if (building_.count(core.st) && std::none_of(levels.begin(), levels.end(), [](const Level& l) { return !l.is_array; })) {
            error(where, "structure '" + core.st->cpp_name + "' contains itself by value");
            return nullptr;
          }
          n->kind = Node::Kind::kStruct;
          n->st = core.st;
          break;
        case CoreKind::kUnion:
          if (!switch_is) {
            error(where, "union '" + name + "' needs [switch_is(...)] (a non-encapsulated union)");
            return nullptr;
          }
          n->kind = Node::Kind::kUnion;
          n->un = core.un;
          n->switch_is = switch_is;
          break;
        case CoreKind::kBstr: n->kind = Node::Kind::kBstr; break;
        case CoreKind::kHandle:
          if (!is_param) {
            error(where, "handle_t is only allowed as a parameter");
            return nullptr;
          }
          n->kind = Node::Kind::kHandle;
          break;
        case CoreKind::kInterface:
          error(where, "interface '" + core.itf_name + "' can only be passed by pointer");
          return nullptr;
        case CoreKind::kVoid:
          error(where, "'" + name + "' has type void; only [iid_is] void* interface pointers are supported");
          return nullptr;
        default: break;
      }
      if (switch_is && n->kind != Node::Kind::kUnion) {
        error(where, "[switch_is] on '" + name + "', which is not a union");
        return nullptr;
      }
      return n;
    }
    const Level& l = levels[i];
    const bool last = i + 1 == levels.size();
    if (!l.is_array) {
      // Interface pointer: the last pointer to an interface (or [iid_is] void).
      if (last && (core.kind == CoreKind::kInterface || core.kind == CoreKind::kVoid)) {
        if (l.size || l.length) {
          error(where, "size_is/length_is cannot apply to an interface pointer");
          return nullptr;
        }
        if (core.kind == CoreKind::kVoid && !iid_is) {
          error(where, "'" + name + "' is void*: only [iid_is(...)] void* interface pointers are supported");
          return nullptr;
        }
        n->kind = Node::Kind::kInterface;
        if (iid_is) {
          n->iid_is = iid_is;
        } else {
          if (core.itf && !core.itf->object) {
            error(where, "'" + core.itf_name + "' is not an [object] interface and cannot be passed by pointer");
            return nullptr;
          }
          n->iid_cpp = "IID_" + core.itf_name;
        }
        return n;
      }
      n->kind = Node::Kind::kPointer;
      n->ptr = l.ptr_attr ? *l.ptr_attr : (is_param && i == 0 ? PtrKind::kRef : pointer_default);
      if (l.string && last) {
        if (l.size || l.length) {
          error(where, "[string] with size_is/length_is on '" + name + "' is not supported");
          return nullptr;
        }
        if (core.kind != CoreKind::kPrim || (core.prim != Prim::kChar && core.prim != Prim::kWchar)) {
          error(where, "[string] on '" + name + "' needs char or wchar_t elements");
          return nullptr;
        }
        auto s = std::make_shared<Node>();
        s->kind = Node::Kind::kString;
        s->prim = core.prim == Prim::kWchar ? Prim::kWchar : Prim::kChar;
        n->target = s;
        return n;
      }
      if (l.string) {
        error(where, "[string] must apply to the last pointer level of '" + name + "'");
        return nullptr;
      }
      if (l.size || l.length) {
        auto arr = std::make_shared<Node>();
        arr->kind = Node::Kind::kArray;
        arr->size = l.size;
        arr->size_is_max = l.size_is_max;
        arr->length = l.length;
        if (!l.size) {
          error(where, "length_is on '" + name + "' needs size_is (a pointer to a conformant varying array)");
          return nullptr;
        }
        arr->target = build(levels, i + 1, core, f, is_param, pointer_default, switch_is, iid_is);
        if (!arr->target) return nullptr;
        if (!check_array_element(*arr->target, where, name)) return nullptr;
        n->target = arr;
        return n;
      }
      if (core.kind == CoreKind::kHandle && last) {
        error(where, "pointers to handle_t are not supported");
        return nullptr;
      }
      n->target = build(levels, i + 1, core, f, is_param, pointer_default, switch_is, iid_is);
      if (!n->target) return nullptr;
      if (n->target->kind == Node::Kind::kStruct && n->target->st->conformant && false) return nullptr;
      return n;
    }
    // Array level.
    if (l.string) {
      error(where, "[string] arrays are not supported by guise-midl; use a [string] pointer");
      return nullptr;
    }
    n->kind = Node::Kind::kArray;
    n->fixed = l.fixed;
    if (!l.fixed && !l.size) {
      error(where, "conformant array '" + name + "' needs size_is or max_is");
      return nullptr;
    }
    if (l.fixed && l.size) {
      error(where, "array '" + name + "' has both a fixed size and size_is");
      return nullptr;
    }
    n->size = l.size;
    n->size_is_max = l.size_is_max;
    n->length = l.length;
    n->target = build(levels, i + 1, core, f, is_param, pointer_default, switch_is, iid_is);
    if (!n->target) return nullptr;
    if (!check_array_element(*n->target, where, name)) return nullptr;
    return n;
  }

  bool check_array_element(const Node& elem, const SourceLocation& where, const std::string& name) {
    if (elem.kind == Node::Kind::kArray && !elem.fixed) {
      error(where, "'" + name + "': an array of conformant arrays is not supported");
      return false;
    }
    if (elem.kind == Node::Kind::kStruct && elem.st->conformant) {
      error(where, "'" + name + "': an array of conformant structures is not allowed (C706 §14.3.7)");
      return false;
    }
    if (elem.kind == Node::Kind::kUnion) {
      error(where, "'" + name + "': arrays of non-encapsulated unions are not supported");
      return false;
    }
    if (elem.kind == Node::Kind::kHandle) {
      error(where, "'" + name + "': arrays of handle_t are not allowed");
      return false;
    }
    return true;
  }

  // Identifiers in a correlation expression must name a member/parameter (or a constant), and the
  // value must be known where it is decoded (see docs/idl.md, "Correlation").
  bool check_correlation(const ast::ExprPtr& e, const Scope& scope, const char* what) {
    bool ok = true;
    std::function<void(const ast::Expr&)> walk = [&](const ast::Expr& x) {
      if (x.kind == ast::Expr::Kind::kString) {
        error(x.where, std::string(what) + ": strings are not allowed here");
        ok = false;
      }
      if (x.kind == ast::Expr::Kind::kUnary && x.text == "&") {
        error(x.where, std::string(what) + ": '&' is not allowed here");
        ok = false;
      }
      if (x.kind == ast::Expr::Kind::kIdent) {
        auto it = std::find(scope.names.begin(), scope.names.end(), x.text);
        if (it == scope.names.end()) {
          if (!module_->constants.count(x.text)) {
            error(x.where, std::string(what) + ": '" + x.text + "' is not a " +
                               (scope.kind == Scope::Kind::kParams ? "parameter" : "member") + " of this " +
                               (scope.kind == Scope::Kind::kParams ? "method" : "type"));
            ok = false;
          }
        } else if (scope.kind == Scope::Kind::kParams) {
          std::size_t idx = static_cast<std::size_t>(it - scope.names.begin());
          bool self_in = scope.in[scope.self];
          bool self_out = scope.out[scope.self];
          if (idx == scope.self) {
            error(x.where, std::string(what) + ": '" + x.text + "' refers to the parameter it describes");
            ok = false;
          } else if (self_in && !(scope.in[idx] && idx < scope.self)) {
            error(x.where, std::string(what) + ": '" + x.text + "' must be an [in] parameter declared before '" +
                               scope.names[scope.self] + "' (the server decodes [in] parameters in order)");
            ok = false;
          } else if (self_out && !scope.in[idx] && !(scope.out[idx] && idx < scope.self)) {
            error(x.where, std::string(what) + ": '" + x.text + "' must be an [in] parameter or an [out] parameter declared before '" +
                               scope.names[scope.self] + "'");
            ok = false;
          }
        } else if (std::string(what) == "switch_is") {
          std::size_t idx = static_cast<std::size_t>(it - scope.names.begin());
          if (idx >= scope.self) {
            error(x.where, "switch_is: '" + x.text + "' must be a member declared before the union");
            ok = false;
          }
        }
      }
      for (const auto& o : x.operands) walk(*o);
    };
    walk(*e);
    return ok;
  }

  // ---- interfaces ----------------------------------------------------------------------------
  void process_interface(const ast::Interface& a, bool imported) {
    if (a.forward) {
      if (!symbols_.count(a.name)) symbols_[a.name] = Symbol{Symbol::Kind::kInterface, {}, {}, {}, imported};
      return;
    }
    if (module_->interface_by_name.count(a.name) && !(a.name == "IUnknown")) {
      error(a.where, "interface '" + a.name + "' is already defined");
      return;
    }
    auto itf = std::make_unique<ir::Interface>();
    itf->name = a.name;
    itf->imported = imported;
    itf->where = a.where;
    PtrKind pointer_default = PtrKind::kUnique;
    for (const auto& attr : a.attrs) {
      const std::string& n = attr.name;
      if (n == "object") itf->object = true;
      else if (n == "local") itf->local = true;
      else if (n == "uuid" || n == "async_uuid") {
        IID id{};
        if (!parse_uuid(attr.uuid, id)) {
          error(attr.where, "malformed uuid '" + attr.uuid + "' (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
          if (n == "uuid") itf->has_uuid = true;  // reported once, not again as missing
          continue;
        }
        if (n == "uuid") {
          itf->iid = id;
          itf->has_uuid = true;
        } else {
          itf->async_iid = id;
        }
      } else if (n == "pointer_default") {
        std::string w = attr.words.empty() ? std::string() : attr.words[0];
        if (w == "unique") pointer_default = PtrKind::kUnique;
        else if (w == "ref") pointer_default = PtrKind::kRef;
        else if (w == "ptr") pointer_default = PtrKind::kFull;
        else error(attr.where, "pointer_default must be ref, unique or ptr");
      } else if (n == "version") {
        std::string w = attr.words.empty() ? std::string() : attr.words[0];
        unsigned major = 0, minor = 0;
        if (std::sscanf(w.c_str(), "%u.%u", &major, &minor) < 1 || major > 0xFFFF || minor > 0xFFFF) {
          error(attr.where, "malformed version '" + w + "' (expected major.minor)");
        }
        itf->version_major = static_cast<std::uint16_t>(major);
        itf->version_minor = static_cast<std::uint16_t>(minor);
      } else if (n == "helpstring" || n == "oleautomation" || n == "endpoint") {
        // Documentation or registration only: no effect on the header or the wire.
      } else {
        error(attr.where, "interface attribute '" + n + "' is not supported by guise-midl");
      }
    }
    if (!itf->has_uuid && !itf->local) error(a.where, "interface '" + a.name + "' needs a uuid(...) attribute");
    if (itf->async_iid && !itf->object) error(a.where, "async_uuid needs an [object] interface");
    if (a.name == "IUnknown") {
      // Our own unknwn.idl: include/guise/unknwn.h declares it; only record that this file defines it.
      auto* existing = const_cast<ir::Interface*>(module_->interface_by_name["IUnknown"]);
      existing->imported = imported;
      for (const auto& item : a.items) process_item(item, imported, false, existing);
      return;
    }
    if (!a.base.empty()) {
      auto it = module_->interface_by_name.find(a.base);
      if (it == module_->interface_by_name.end()) {
        error(a.where, "unknown base interface '" + a.base + "'");
        return;
      }
      itf->base = a.base;
      itf->base_itf = it->second;
      if (itf->object && !it->second->object) error(a.where, "[object] interface '" + a.name + "' derives from non-object '" + a.base + "'");
      itf->first_opnum = static_cast<std::uint16_t>(it->second->first_opnum + it->second->methods.size());
    } else if (itf->object) {
      error(a.where, "[object] interface '" + a.name + "' must derive from IUnknown or another interface");
    }
    symbols_[a.name] = Symbol{Symbol::Kind::kInterface, {}, {}, {}, imported};
    ir::Interface* raw = itf.get();
    module_->interface_by_name[a.name] = raw;
    module_->interfaces.push_back(std::move(itf));
    std::set<std::string> method_names;
    for (const auto& item : a.items) {
      if (auto* m = std::get_if<ast::Method>(&item)) {
        process_method(*m, raw, pointer_default, method_names);
      } else if (std::get_if<ast::Import>(&item)) {
        error(std::get<ast::Import>(item).where, "import inside an interface is not supported; import at file level");
      } else {
        process_item(item, imported, false, raw);
      }
    }
  }

  void process_method(const ast::Method& m, ir::Interface* itf, PtrKind pointer_default, std::set<std::string>& names) {
    ir::Method out;
    out.where = m.where;
    std::string prefix;
    for (const auto& a : m.attrs) {
      if (a.name == "propget") prefix = "get_";
      else if (a.name == "propput") prefix = "put_";
      else if (a.name == "propputref") prefix = "putref_";
      else if (a.name == "id" || a.name == "helpstring" || a.name == "idempotent") continue;
      else error(a.where, "method attribute '" + a.name + "' is not supported by guise-midl");
    }
    out.name = prefix + m.name;
    if (!names.insert(out.name).second) error(m.where, "method '" + out.name + "' is already declared in this interface");
    out.opnum = static_cast<std::uint16_t>(itf->first_opnum + itf->methods.size());
    // Return type.
    {
      std::vector<Level> levels;
      Core core;
      ast::Declarator none;
      if (expand(m.ret, none, levels, core, m.where)) {
        if (m.ret_pointers > 0 || !levels.empty()) {
          error(m.ret.where, "methods cannot return pointers");
        } else if (core.kind == CoreKind::kVoid) {
          out.cpp_return = "void";
        } else if (core.kind == CoreKind::kPrim || core.kind == CoreKind::kEnum) {
          out.ret = std::make_shared<Node>();
          out.ret->kind = core.kind == CoreKind::kEnum ? Node::Kind::kEnum : Node::Kind::kPrim;
          out.ret->prim = core.prim;
          out.ret->v1_enum = core.v1_enum;
          if (core.prim == Prim::kGuid && core.kind == CoreKind::kPrim) error(m.ret.where, "methods cannot return structures");
          out.cpp_return = cpp_spelling(m.ret);
        } else {
          error(m.ret.where, "methods can only return void, integers, floating point, enums or HRESULT");
        }
      }
    }
    Scope scope;
    scope.kind = Scope::Kind::kParams;
    for (std::size_t i = 0; i < m.params.size(); ++i) {
      const auto& p = m.params[i];
      bool in = false, out_dir = false;
      for (const auto& a : p.attrs) {
        if (a.name == "in") in = true;
        if (a.name == "out") out_dir = true;
      }
      if (!in && !out_dir) in = true;  // MIDL's default direction
      scope.names.push_back(p.decl.name.empty() ? "_arg" + std::to_string(i + 1) : p.decl.name);
      scope.in.push_back(in);
      scope.out.push_back(out_dir);
    }
    if (itf->local) {
      // [local]: never marshaled, so only the C++ signature matters (void* and the like are fine).
      for (std::size_t i = 0; i < m.params.size(); ++i) {
        const auto& p = m.params[i];
        ir::Param param;
        param.name = scope.names[i];
        param.in = scope.in[i];
        param.out = scope.out[i];
        param.where = p.decl.where;
        param.cpp_type = param_cpp_type(p);
        param.header_decl = header_decl(p, param.name);
        std::vector<Level> levels;
        Core core;
        expand(p.type, p.decl, levels, core, p.decl.where);
        out.params.push_back(std::move(param));
      }
      itf->methods.push_back(std::move(out));
      return;
    }
    for (std::size_t i = 0; i < m.params.size(); ++i) {
      const auto& p = m.params[i];
      ir::Param param;
      param.name = scope.names[i];
      param.in = scope.in[i];
      param.out = scope.out[i];
      param.where = p.decl.where;
      for (const auto& a : p.attrs) {
        if (a.name == "retval") param.retval = true;
      }
      if (param.retval && (!param.out || i + 1 != m.params.size())) {
        error(p.decl.where, "[retval] must be the last parameter and [out]");
      }
      scope.self = i;
      define_inline_types(p.type, p.attrs, itf->imported);
      param.node = resolve_field(p, scope, /*is_param=*/true, pointer_default);
      if (!param.node) continue;
      param.cpp_type = param_cpp_type(p);
      param.header_decl = header_decl(p, param.name);
      if (p.type.kind == ast::TypeSpec::Kind::kNamed && p.decl.pointers == 0 && p.decl.dims.empty()) {
        param.by_reference = is_guid_reference(p.type.name);
      }
      if (param.out && param.node->kind == Node::Kind::kPointer && param.node->target->kind == Node::Kind::kString) {
        error(p.decl.where, "[out] [string] '" + param.name + "' would need a caller-allocated buffer; use a pointer to a [string] pointer");
        continue;
      }
      if (param.in && param.out && param.node->kind == Node::Kind::kPointer && param.node->target->kind == Node::Kind::kStruct &&
          param.node->target->st->conformant) {
        error(p.decl.where, "[in, out] conformant structure '" + param.name + "' is not supported");
        continue;
      }
      if (param.out && param.node->kind != Node::Kind::kPointer) {
        error(p.decl.where, "[out] parameter '" + param.name + "' must be a pointer");
        continue;
      }
      if (param.out && param.node->ptr != PtrKind::kRef) {
        error(p.decl.where, "[out] parameter '" + param.name + "' must be a [ref] pointer (its top level cannot be [unique] or [ptr])");
        continue;
      }
      if (param.out && !param.in && param.node->target->kind == Node::Kind::kStruct && param.node->target->st->conformant) {
        error(p.decl.where, "[out] conformant structure '" + param.name + "' must be returned through a pointer to a pointer");
        continue;
      }
      if (param.node->kind == Node::Kind::kHandle && (i != 0 || itf->object)) {
        error(p.decl.where, itf->object ? "handle_t parameters are not allowed in [object] interfaces"
                                        : "a handle_t parameter must be the first parameter");
        continue;
      }
      out.params.push_back(std::move(param));
    }
    itf->methods.push_back(std::move(out));
  }

  std::string header_decl(const ast::Field& p, const std::string& name) {
    std::string d = cpp_spelling(p.type) + " ";
    for (int k = 0; k < p.decl.pointers; ++k) d += "*";
    if (p.decl.const_pointer) d += "const ";
    d += name;
    for (const auto& dim : p.decl.dims) d += dim ? "[" + std::to_string(eval(dim).value_or(0)) + "]" : "[]";
    return d;
  }

  // REFIID, REFGUID, REFCLSID, or a typedef of one (REFIPID): a C++ reference in the signature.
  bool is_guid_reference(const std::string& name, int depth = 0) {
    if (depth > 32) return false;
    auto it = symbols_.find(name);
    if (it == symbols_.end()) {
      const BuiltinType* b = builtin_type(name);
      return b != nullptr && b->kind == BuiltinType::Kind::kGuidRef;
    }
    const Symbol& s = it->second;
    if (s.kind != Symbol::Kind::kTypedef || s.decl.pointers != 0 || !s.decl.dims.empty() ||
        s.type.kind != ast::TypeSpec::Kind::kNamed) {
      return false;
    }
    return is_guid_reference(s.type.name, depth + 1);
  }

  std::string param_cpp_type(const ast::Field& p) {
    std::string t = cpp_spelling(p.type);
    for (int i = 0; i < p.decl.pointers; ++i) t += "*";
    if (p.decl.const_pointer) t += " const";
    for (std::size_t i = 0; i < p.decl.dims.size(); ++i) t += "*";  // array parameters decay
    return t;
  }

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

}  // namespace

std::unique_ptr<ir::Module> check(std::shared_ptr<ast::File> file, const std::string& base_name,
                                  const ImportLoader& load_import, Diagnostics& diags) {
  return Checker(load_import, diags).run(std::move(file), base_name);
}

}  // namespace guise::midl
