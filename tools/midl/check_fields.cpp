// check_fields.cpp: the checker's lowering of one field or parameter to its marshal plan: where
// size_is/length_is/max_is/string/pointer attributes land among the declared pointer and array
// levels, what each level becomes (ir::Node), and whether correlation expressions name something
// the decoder will know in time.
#include <algorithm>
#include <functional>

#include "checker.h"

namespace guise::midl::detail {

NodePtr Checker::resolve_field(const ast::Field& f, const Scope& scope, bool is_param, PtrKind pointer_default) {
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

NodePtr Checker::build(const std::vector<Level>& levels, std::size_t i, const Core& core, const ast::Field& f, bool is_param,
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

bool Checker::check_array_element(const Node& elem, const SourceLocation& where, const std::string& name) {
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

bool Checker::check_correlation(const ast::ExprPtr& e, const Scope& scope, const char* what) {
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

}  // namespace guise::midl::detail
