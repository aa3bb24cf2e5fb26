// check_types.cpp: the checker's type half: typedefs, structures, unions and enums, expansion of
// a declared type through typedefs into levels, and the lowering of fields and parameters to marshal
// plans (ir::Node), with attribute and correlation validation.
#include <algorithm>
#include <functional>

#include "checker.h"
#include "const_eval.h"

namespace guise::midl::detail {

void Checker::process_typedef(const ast::Typedef& td, bool imported) {
  for (const auto& a : td.attrs) {
    static const std::set<std::string> allowed = {"string", "unique", "ref", "ptr", "v1_enum", "switch_type", "public"};
    if (!allowed.count(a.name)) {
      error(a.where, "typedef attribute '" + a.name + "' is not supported by guise-midl");
    }
  }
  if (!redeclares_builtin_struct(td)) define_inline_types(td.type, td.attrs, imported);
  for (const auto& d : td.decls) {
    if (const BuiltinType* b = builtin_type(d.name)) {
      check_builtin_redeclaration(td, d, *b);
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

namespace {
const char* describe_prim(Prim p) {
  switch (p) {
    case Prim::kInt8: return "an 8-bit signed integer";
    case Prim::kUInt8: return "an 8-bit unsigned integer";
    case Prim::kChar: return "a char";
    case Prim::kInt16: return "a 16-bit signed integer";
    case Prim::kUInt16: return "a 16-bit unsigned integer";
    case Prim::kWchar: return "a wchar_t";
    case Prim::kInt32: return "a 32-bit signed integer";
    case Prim::kUInt32: return "a 32-bit unsigned integer";
    case Prim::kInt64: return "a 64-bit signed integer";
    case Prim::kUInt64: return "a 64-bit unsigned integer";
    case Prim::kFloat: return "a float";
    case Prim::kDouble: return "a double";
    case Prim::kGuid: return "a GUID";
  }
  return "a value";
}

// The built-in as guise's headers declare it, for messages.
std::string describe_builtin(const std::string& name, const BuiltinType& b) {
  std::string what;
  switch (b.kind) {
    case BuiltinType::Kind::kPrim: what = describe_prim(b.prim); break;
    case BuiltinType::Kind::kString: what = std::string("a [string] pointer to ") + describe_prim(b.prim); break;
    case BuiltinType::Kind::kBstr: what = "a BSTR, a pointer to wchar_t"; break;
    case BuiltinType::Kind::kGuidRef: what = "a reference to a GUID"; break;
    case BuiltinType::Kind::kVoid:
    case BuiltinType::Kind::kHandle: what = "a type IDL cannot redefine"; break;
  }
  return "'" + name + "' is a built-in type (" + what + " in guise's headers)";
}

bool is_plain(const ast::Declarator& d) { return d.pointers == 0 && d.dims.empty(); }
}  // namespace

bool Checker::redeclares_builtin_struct(const ast::Typedef& td) {
  const auto& def = td.type.struct_def;
  if (td.type.kind != ast::TypeSpec::Kind::kStruct || !def || !def->has_body) return false;
  const ast::Declarator* guid_name = nullptr;
  for (const auto& d : td.decls) {
    const BuiltinType* b = builtin_type(d.name);
    if (guid_name == nullptr && b != nullptr && b->kind == BuiltinType::Kind::kPrim && b->prim == Prim::kGuid && is_plain(d)) {
      guid_name = &d;  // the first: "GUID" in "GUID, UUID, *PGUID"
    }
  }
  if (guid_name == nullptr) return false;
  // GUID's members (MS-DTYP 2.3.4): unsigned long, unsigned short, unsigned short, byte[8], whatever
  // the IDL calls them. Each is expanded through typedefs, so "DWORD Data1" matches too.
  struct Expected {
    Prim prim;
    std::optional<std::uint64_t> array;
  };
  const Expected expected[] = {{Prim::kUInt32, {}}, {Prim::kUInt16, {}}, {Prim::kUInt16, {}}, {Prim::kUInt8, 8}};
  bool matches = def->members.size() == 4;
  for (std::size_t i = 0; matches && i < 4; ++i) {
    std::vector<Level> levels;
    Core core;
    const ast::Field& f = def->members[i];
    if (!expand(f.type, f.decl, levels, core, f.decl.where)) return true;  // reported; the body stays undefined
    const bool shape_ok = expected[i].array ? levels.size() == 1 && levels[0].is_array && levels[0].fixed == expected[i].array
                                            : levels.empty();
    matches = shape_ok && core.kind == CoreKind::kPrim && core.prim == expected[i].prim;
  }
  if (!matches) {
    error(guid_name->where, "'" + guid_name->name +
                                "' is a built-in type (GUID in guise's headers); a structure redeclaring it must have "
                                "the members unsigned long, unsigned short, unsigned short, byte[8]");
  }
  // Even when it does not match: one error, not another for every use of the structure.
  module_->builtin_struct_defs.insert(def.get());
  if (!def->tag.empty()) module_->builtin_struct_tags[def->tag] = guid_name->name;
  return true;
}

void Checker::check_builtin_redeclaration(const ast::Typedef& td, const ast::Declarator& d, const BuiltinType& b) {
  std::vector<Level> levels;
  Core core;
  if (!expand(td.type, d, levels, core, d.where)) return;
  const bool one_pointer = levels.size() == 1 && !levels[0].is_array;
  bool same = false;
  switch (b.kind) {
    case BuiltinType::Kind::kPrim:
      // The same NDR primitive is the same C++ type on LP64 (LONG and INT are both int here).
      same = levels.empty() && core.kind == CoreKind::kPrim && core.prim == b.prim;
      break;
    case BuiltinType::Kind::kString:
      // [string] or not, the built-in's [string] stays in force.
      same = one_pointer && core.kind == CoreKind::kPrim && core.prim == b.prim;
      break;
    case BuiltinType::Kind::kBstr:
      // MS-DTYP's "typedef WCHAR* BSTR": the C++ type is the same; BSTR keeps its wire form
      // (FLAGGED_WORD_BLOB, MS-OAUT 2.2.23.2).
      same = one_pointer && core.kind == CoreKind::kPrim && core.prim == Prim::kWchar;
      break;
    case BuiltinType::Kind::kGuidRef:
      same = one_pointer && core.kind == CoreKind::kPrim && core.prim == Prim::kGuid;
      break;
    case BuiltinType::Kind::kVoid:
    case BuiltinType::Kind::kHandle:
      break;
  }
  if (!same) {
    error(d.where, describe_builtin(d.name, b) + "; this typedef gives it a different representation");
    return;
  }
  module_->builtin_redeclarations.insert(d.name);
}

void Checker::name_struct(const ast::StructDef* def, const std::string& name) {
  auto it = module_->struct_by_def.find(def);
  if (it != module_->struct_by_def.end()) const_cast<ir::StructInfo*>(it->second)->cpp_name = name;
}

void Checker::name_union(const ast::UnionDef* def, const std::string& name) {
  auto jt = module_->encapsulated_by_def.find(def);
  if (jt != module_->encapsulated_by_def.end()) {
    // The structure is the named type; its inner union stays anonymous (marshaled inline).
    const_cast<ir::StructInfo*>(jt->second)->cpp_name = name;
    return;
  }
  auto it = module_->union_by_def.find(def);
  if (it != module_->union_by_def.end()) const_cast<ir::UnionInfo*>(it->second)->cpp_name = name;
}

void Checker::define_inline_types(const ast::TypeSpec& ts, const ast::Attributes& attrs, bool imported) {
  if (ts.struct_def && ts.struct_def->has_body) define_struct(*ts.struct_def, imported);
  if (ts.union_def && ts.union_def->has_body) define_union(*ts.union_def, attrs, imported);
  if (ts.enum_def && ts.enum_def->has_body) define_enum(*ts.enum_def);
}

void Checker::define_enum(const ast::EnumDef& def) {
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

void Checker::define_struct(const ast::StructDef& def, bool imported) {
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

void Checker::define_union(const ast::UnionDef& def, const ast::Attributes& attrs, bool imported) {
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

bool Checker::resolve_discriminant(const ast::TypeSpec& ts, ir::UnionInfo* info, const SourceLocation& where) {
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

int Checker::alignment(const Node& n) {
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

bool Checker::has_pointers(const Node& n) {
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

bool Checker::expand(const ast::TypeSpec& ts, const ast::Declarator& decl, std::vector<Level>& levels, Core& core,
            const SourceLocation& where, int depth) {
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
      if ((ts.struct_def && module_->builtin_struct_defs.count(ts.struct_def.get())) ||
          (!(ts.struct_def && ts.struct_def->has_body) && module_->builtin_struct_tags.count(ts.name))) {
        return apply_builtin(*builtin_type("GUID"), levels, core);  // "struct _GUID" redeclaring GUID
      }
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

bool Checker::apply_builtin(const BuiltinType& b, std::vector<Level>& levels, Core& core) {
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

}  // namespace guise::midl::detail
