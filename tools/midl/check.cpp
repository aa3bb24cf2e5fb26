#include "check.h"
#include "checker.h"

#include <algorithm>
#include <functional>
#include <set>

#include "async_plan.h"
#include "builtins.h"
#include "const_eval.h"

namespace guise::midl::detail {

void Checker::process_file(const ast::File& file, bool imported, bool top) {
  for (const auto& item : file.items) process_item(item, imported, top, nullptr);
}

void Checker::process_item(const ast::Item& item, bool imported, bool top, ir::Interface* in_itf) {
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
  } else if (auto* lib = std::get_if<std::shared_ptr<ast::Library>>(&item)) {
    process_library(**lib, imported, top);
  } else if (auto* coclass = std::get_if<ast::Coclass>(&item)) {
    process_coclass(*coclass, imported);
  } else if (std::get_if<ast::ImportLib>(&item)) {
    // A type library to import: guise reads no type libraries (the parser allows importlib only
    // inside a library, where MIDL allows it); nothing to check.
  }
}

void Checker::do_import(const std::string& name, const SourceLocation& where, bool top) {
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

void Checker::add_import_header(const std::string& header) {
  for (const auto& h : module_->import_headers) {
    if (h == header) return;
  }
  module_->import_headers.push_back(header);
}

void Checker::add_builtin_iunknown() {
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

void Checker::process_const(const ast::ConstDef& c) {
  if (!declare(c.decl.name, c.decl.where, Symbol{Symbol::Kind::kConstant, {}, {}, {}, false})) return;
  if (c.value->kind == ast::Expr::Kind::kString) return;  // string constants: header only
  auto v = eval(c.value);
  if (v) module_->constants[c.decl.name] = *v;
}

std::optional<std::int64_t> Checker::eval(const ast::ExprPtr& e) {
  std::string message;
  SourceLocation where;
  auto v = evaluate_constant(*e, module_->constants, message, where);
  if (!v) error(where, message);
  return v;
}

bool Checker::declare(const std::string& name, const SourceLocation& where, Symbol sym) {
  if (name.empty()) return true;
  if (symbols_.count(name) || module_->constants.count(name)) {
    error(where, "'" + name + "' is already defined");
    return false;
  }
  symbols_[name] = std::move(sym);
  return true;
}

void Checker::process_interface(const ast::Interface& a, bool imported) {
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
  itf->declared_by = header_declared_interface(a.name);
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
  if (!imported) check_async(*raw, diags_);
}

void Checker::process_method(const ast::Method& m, ir::Interface* itf, PtrKind pointer_default, std::set<std::string>& names) {
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
        out.cpp_return = cpp_spelling(m.ret, &module_->builtin_struct_tags);
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

std::string Checker::header_decl(const ast::Field& p, const std::string& name) {
  std::string d = cpp_spelling(p.type, &module_->builtin_struct_tags) + " ";
  for (int k = 0; k < p.decl.pointers; ++k) d += "*";
  if (p.decl.const_pointer) d += "const ";
  d += name;
  for (const auto& dim : p.decl.dims) d += dim ? "[" + std::to_string(eval(dim).value_or(0)) + "]" : "[]";
  return d;
}

bool Checker::is_guid_reference(const std::string& name, int depth) {
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

std::string Checker::param_cpp_type(const ast::Field& p) {
  std::string t = cpp_spelling(p.type, &module_->builtin_struct_tags);
  for (int i = 0; i < p.decl.pointers; ++i) t += "*";
  if (p.decl.const_pointer) t += " const";
  for (std::size_t i = 0; i < p.decl.dims.size(); ++i) t += "*";  // array parameters decay
  return t;
}

}  // namespace guise::midl::detail

namespace guise::midl {
std::unique_ptr<ir::Module> check(std::shared_ptr<ast::File> file, const std::string& base_name,
                                  const ImportLoader& load_import, Diagnostics& diags) {
  return detail::Checker(load_import, diags).run(std::move(file), base_name);
}

}  // namespace guise::midl
