// check_library.cpp: the checker's library and coclass half — LIBIDs, CLSIDs and the interfaces a
// class lists. guise produces no type library: a library contributes LIBID_<name> and whatever it
// defines (interfaces, types, coclasses), exactly as if written at file level.
#include "checker.h"

namespace guise::midl::detail {

namespace {
// Attributes MIDL accepts on a library or coclass that only matter to type libraries or
// registration: accepted and ignored.
bool is_type_library_attribute(const std::string& n) {
  static const std::set<std::string> names = {
      "version", "helpstring", "helpfile", "helpcontext", "helpstringdll", "helpstringcontext", "lcid",
      "control", "hidden", "restricted", "custom", "noncreatable", "appobject", "licensed", "aggregatable",
      "threading", "progid", "vi_progid", "predeclid"};
  return names.count(n) != 0;
}
}  // namespace

std::optional<IID> Checker::required_uuid(const ast::Attributes& attrs, const std::string& what,
                                          const SourceLocation& where) {
  for (const auto& attr : attrs) {
    if (attr.name != "uuid") continue;
    IID id{};
    if (!parse_uuid(attr.uuid, id)) {
      error(attr.where, "malformed uuid '" + attr.uuid + "' (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
      return std::nullopt;
    }
    return id;
  }
  error(where, what + " needs a uuid(...) attribute");
  return std::nullopt;
}

void Checker::process_library(const ast::Library& a, bool imported, bool top) {
  for (const auto& attr : a.attrs) {
    if (attr.name != "uuid" && !is_type_library_attribute(attr.name)) {
      error(attr.where, "library attribute '" + attr.name + "' is not supported by guise-midl");
    }
  }
  auto libid = required_uuid(a.attrs, "library '" + a.name + "'", a.where);
  if (module_->library_by_name.count(a.name)) {
    error(a.where, "library '" + a.name + "' is already defined");
  } else if (libid) {
    auto lib = std::make_unique<ir::Library>();
    lib->name = a.name;
    lib->libid = *libid;
    lib->imported = imported;
    lib->where = a.where;
    module_->library_by_name[a.name] = lib.get();
    module_->libraries.push_back(std::move(lib));
  }
  for (const auto& item : a.items) process_item(item, imported, top, nullptr);
}

void Checker::process_coclass(const ast::Coclass& a, bool imported) {
  for (const auto& attr : a.attrs) {
    if (attr.name != "uuid" && !is_type_library_attribute(attr.name)) {
      error(attr.where, "coclass attribute '" + attr.name + "' is not supported by guise-midl");
    }
  }
  auto clsid = required_uuid(a.attrs, "coclass '" + a.name + "'", a.where);
  auto coclass = std::make_unique<ir::Coclass>();
  coclass->name = a.name;
  coclass->imported = imported;
  coclass->where = a.where;
  if (clsid) coclass->clsid = *clsid;
  std::set<std::string> listed;
  for (const auto& m : a.members) {
    for (const auto& attr : m.attrs) {
      if (attr.name == "default") {
        if (!coclass->default_interface.empty() && coclass->default_interface != m.name) {
          error(attr.where, "coclass '" + a.name + "' has two [default] interfaces");
        }
        coclass->default_interface = m.name;
      } else if (attr.name != "source" && attr.name != "restricted" && attr.name != "defaultvtable") {
        error(attr.where, "coclass member attribute '" + attr.name + "' is not supported by guise-midl");
      }
    }
    if (m.dispinterface) {
      error(m.where, "'dispinterface' is not supported by guise-midl (see docs/idl.md for the supported subset)");
      continue;
    }
    auto sym = symbols_.find(m.name);
    if (sym == symbols_.end() || sym->second.kind != Symbol::Kind::kInterface) {
      error(m.where, "coclass '" + a.name + "' lists unknown interface '" + m.name + "'");
      continue;
    }
    if (!listed.insert(m.name).second) {
      error(m.where, "coclass '" + a.name + "' lists interface '" + m.name + "' twice");
      continue;
    }
    coclass->interfaces.push_back(m.name);
  }
  if (coclass->default_interface.empty() && !coclass->interfaces.empty()) {
    coclass->default_interface = coclass->interfaces.front();
  }
  if (!declare(a.name, a.where, Symbol{Symbol::Kind::kCoclass, {}, {}, {}, imported})) return;
  if (!clsid) return;
  module_->coclass_by_name[a.name] = coclass.get();
  module_->coclasses.push_back(std::move(coclass));
}

}  // namespace guise::midl::detail
