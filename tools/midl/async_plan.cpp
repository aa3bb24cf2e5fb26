#include "async_plan.h"

#include <set>

namespace guise::midl {

using ir::Node;

namespace {

void identifiers(const ast::Expr& e, std::set<std::string>& out) {
  if (e.kind == ast::Expr::Kind::kIdent) out.insert(e.text);
  for (const auto& o : e.operands) {
    if (o) identifiers(*o, out);
  }
}

// The parameter names a parameter's correlation expressions (sizes, lengths, iid_is, switch_is)
// refer to. Structures are not entered: their correlations name their own members.
void correlations(const Node& n, std::set<std::string>& out) {
  for (const ast::ExprPtr* e : {&n.size, &n.length, &n.iid_is, &n.switch_is}) {
    if (*e) identifiers(**e, out);
  }
  if ((n.kind == Node::Kind::kPointer || n.kind == Node::Kind::kArray) && n.target) correlations(*n.target, out);
}

bool scalar(const Node& n) { return n.kind == Node::Kind::kPrim || n.kind == Node::Kind::kEnum; }

// How an [in]-only parameter's value can be kept from Begin_ to Finish_, or nullopt.
std::optional<SavedParam> saveable(const ir::Param& p) {
  const Node& n = *p.node;
  if (p.by_reference) return SavedParam{&p, "std::remove_cv_t<std::remove_reference_t<" + p.cpp_type + ">>", false};
  if (scalar(n)) return SavedParam{&p, "std::remove_cv_t<" + p.cpp_type + ">", false};
  if (n.kind == Node::Kind::kPointer && n.ptr == ir::PtrKind::kRef && n.target && scalar(*n.target)) {
    return SavedParam{&p, "std::remove_cv_t<std::remove_pointer_t<" + p.cpp_type + ">>", true};
  }
  return std::nullopt;
}

const ir::Param* find_param(const ir::Method& m, const std::string& name) {
  for (const auto& p : m.params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace

AsyncSplit split_async(const ir::Method& m) {
  AsyncSplit s;
  s.begin.name = "Begin_" + m.name;
  s.finish.name = "Finish_" + m.name;
  for (ir::Method* h : {&s.begin, &s.finish}) {
    h->cpp_return = "HRESULT";
    h->ret = m.ret;
    h->opnum = m.opnum;
    h->where = m.where;
  }
  std::set<std::string> needed;
  for (const auto& p : m.params) {
    if (p.in) {
      s.begin.params.push_back(p);
      s.begin.params.back().out = false;
    }
    if (p.out) {
      s.finish.params.push_back(p);
      s.finish.params.back().in = false;
      correlations(*p.node, needed);
    }
  }
  for (const auto& p : m.params) {
    if (!p.in || p.out || !needed.count(p.name)) continue;
    if (auto saved = saveable(p)) s.saved.push_back(*saved);
  }
  return s;
}

std::vector<const ir::Interface*> async_chain(const ir::Interface& itf) {
  std::vector<const ir::Interface*> out;
  for (const ir::Interface* i = &itf; i != nullptr && !i->predeclared && i->async_iid; i = i->base_itf) {
    out.insert(out.begin(), i);
  }
  return out;
}

void check_async(const ir::Interface& itf, Diagnostics& diags) {
  if (!itf.async_iid || !itf.object) return;
  if (itf.base_itf != nullptr && !itf.base_itf->predeclared && !itf.base_itf->async_iid) {
    diags.error(itf.where, "async_uuid interface '" + itf.name + "' must derive from IUnknown or an interface with an async_uuid ('" +
                               itf.base + "' has none)");
  }
  for (const auto& m : itf.methods) {
    if (m.cpp_return != "HRESULT") {
      diags.error(m.where, "method '" + m.name + "' of async_uuid interface '" + itf.name + "' must return HRESULT");
      continue;
    }
    for (const auto& p : m.params) {
      if (!p.out) continue;
      std::set<std::string> needed;
      correlations(*p.node, needed);
      for (const auto& name : needed) {
        const ir::Param* q = find_param(m, name);
        if (q == nullptr || !q->in) continue;
        if (q->out) {
          diags.error(p.where, "[out] parameter '" + p.name + "' of async method '" + m.name + "' depends on [in, out] parameter '" +
                                   name + "', whose sent value Finish_ does not see (not supported)");
        } else if (!saveable(*q)) {
          diags.error(p.where, "[out] parameter '" + p.name + "' of async method '" + m.name + "' depends on [in] parameter '" +
                                   name + "', which Finish_ cannot be given: only scalars, enums, IIDs and [ref] pointers to scalars are kept from Begin_ (not supported)");
        }
      }
    }
  }
}

}  // namespace guise::midl
