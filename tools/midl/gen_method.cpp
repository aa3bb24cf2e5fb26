#include "gen_method.h"

namespace guise::midl {

using ir::Node;

namespace {
IdentMap params_map() {
  return [](const std::string& id) { return id; };
}
bool is_array(const Node& n) { return n.kind == Node::Kind::kArray; }
bool is_conformant_struct(const Node& n) { return n.kind == Node::Kind::kStruct && n.st->conformant; }
std::string count_of(const Node& arr, const IdentMap& map) {
  if (arr.fixed) return std::to_string(*arr.fixed) + "u";
  std::string e = "static_cast<std::uint32_t>(" + print_expr(*arr.size, map) + ")";
  return arr.size_is_max ? "(" + e + " + 1u)" : e;
}
std::string storage_type(const ir::Param& p) {
  return "std::remove_cv_t<std::remove_pointer_t<" + p.cpp_type + ">>";
}
}  // namespace

MethodGen::Plan MethodGen::plan(const ir::Param& p) {
  Plan pl{&p, false, p.node.get()};
  if (p.node->kind == Node::Kind::kPointer && p.node->ptr == ir::PtrKind::kRef) {
    pl.ref_top = true;
    pl.wire = p.node->target.get();
  }
  return pl;
}

std::string MethodGen::failure_return(const ir::Method& m, const std::string& s) {
  if (m.cpp_return == "void") return "return;";
  if (m.cpp_return == "HRESULT" || m.cpp_return == "SCODE") return "return ::guise::ndr::to_hresult(" + s + ");";
  if (m.ret && m.ret->kind == Node::Kind::kPrim &&
      (m.ret->prim == ir::Prim::kUInt32 || m.ret->prim == ir::Prim::kInt32)) {
    return "return static_cast<" + m.cpp_return + ">(::guise::ndr::to_error_status(" + s + "));";
  }
  return "return " + m.cpp_return + "{};";
}

// Encodes one parameter whose value is reachable from `lv_base` (the parameter, or the stub's storage).
void MethodGen::put_param(const Plan& pl, const std::string& lv_base, const IdentMap& map) {
  const ir::Param& p = *pl.p;
  if (p.node->kind == Node::Kind::kHandle) return;
  if (!pl.ref_top) {
    marshal_.put_flat(*p.node, lv_base, map);
    marshal_.put_deferred(*p.node, lv_base, map);
    return;
  }
  if (p.by_reference) {
    marshal_.put_flat(*pl.wire, lv_base, map);
    return;
  }
  const Node& t = *pl.wire;
  if (is_array(t) && t.fixed) {
    marshal_.put_flat(t, lv_base, map);
    marshal_.put_deferred(t, lv_base, map);
    return;
  }
  marshal_.put_referent(t, lv_base, map);
}

void MethodGen::client_prelude(const ir::Method& m, const std::string& record_status) {
  IdentMap map = params_map();
  const std::string& rec = record_status;
  for (const auto& p : m.params) {
    if (p.node->kind == Node::Kind::kHandle) out_.line("static_cast<void>(" + p.name + ");  // the binding is the RpcCallFn");
  }
  // [ref] parameters must not be NULL: refuse before anything is sent.
  for (const auto& p : m.params) {
    Plan pl = plan(p);
    if (pl.ref_top && !p.by_reference) {
      out_.open("if (" + p.name + " == nullptr) {");
      out_.line("const ::guise::Status ndr_null = ::guise::ndr::null_ref_pointer(\"" + p.name + "\");");
      if (!rec.empty()) out_.line(rec + "ndr_null;");
      out_.line(failure_return(m, "ndr_null"));
      out_.close();
    }
  }
  // [out]-only parameters start zeroed, so a failed call never leaves garbage in them.
  for (const auto& p : m.params) {
    Plan pl = plan(p);
    if (!p.out || p.in) continue;
    if (is_array(*pl.wire)) {
      std::string c = count_of(*pl.wire, map);
      out_.line("for (std::uint32_t ndr_z = 0; ndr_z < " + c + "; ++ndr_z) " + p.name + "[ndr_z] = {};");
    } else {
      out_.line("*" + p.name + " = {};");
    }
  }
}

void MethodGen::client_encode(const ir::Method& m, const std::string& marshaler_expr, const std::string& record_status) {
  IdentMap map = params_map();
  const std::string& rec = record_status;
  out_.line("::guise::ndr::Writer ndr_w;");
  out_.line("ndr_w.set_interface_marshaler(" + marshaler_expr + ");");
  out_.open("const ::guise::Status ndr_in_status = [&]() -> ::guise::Status {");
  for (const auto& p : m.params) {
    if (p.in) put_param(plan(p), p.name, map);
  }
  out_.line("return ::guise::Status::Ok();");
  out_.close("}();");
  out_.open("if (!ndr_in_status.ok()) {");
  if (!rec.empty()) out_.line(rec + "ndr_in_status;");
  out_.line(failure_return(m, "ndr_in_status"));
  out_.close();
}

void MethodGen::client_decode(const ir::Method& m, const std::string& reply, const std::string& marshaler_expr,
                              const std::string& limits_expr, const std::string& record_status) {
  IdentMap map = params_map();
  const std::string& rec = record_status;
  out_.line("::guise::ndr::Reader ndr_r(" + reply + ", " + limits_expr + ");");
  out_.line("ndr_r.set_interface_marshaler(" + marshaler_expr + ");");
  if (m.ret) out_.line(m.cpp_return + " ndr_ret{};");
  out_.line("int ndr_stage = 0;");
  out_.line("static_cast<void>(ndr_stage);");
  out_.open("const ::guise::Status ndr_out_status = [&]() -> ::guise::Status {");
  int index = 0;
  for (const auto& p : m.params) {
    if (!p.out) continue;
    Plan pl = plan(p);
    ++index;
    out_.line("ndr_stage = " + std::to_string(index) + ";");
    const Node& t = *pl.wire;
    if (p.in) {
      // [in, out]: COM frees what the caller passed in before the reply replaces it.
      out_.open("{");
      out_.line("::guise::ndr::Freer ndr_f;");
      if (is_array(t)) {
        if (MarshalGen::has_pointers(*t.target)) marshal_.free_referent(t, p.name, map);
      } else {
        marshal_.free_owned(t, "(*" + p.name + ")", map);
      }
      out_.close();
    }
    if (is_array(t) && !t.fixed) {
      marshal_.get_conformant_array(t, p.name, map, /*allocate=*/false);
    } else if (is_array(t)) {
      marshal_.get_flat(t, p.name, map);
      marshal_.get_deferred(t, p.name, map);
    } else {
      marshal_.get_flat(t, "(*" + p.name + ")", map);
      marshal_.get_deferred(t, "(*" + p.name + ")", map);
    }
  }
  if (m.ret) {
    marshal_.get_flat(*m.ret, "ndr_ret", map);
  }
  out_.line("return ndr_r.expect_end();");
  out_.close("}();");
  out_.open("if (!ndr_out_status.ok()) {");
  out_.line("::guise::ndr::Freer ndr_f;");
  index = 0;
  for (const auto& p : m.params) {
    if (!p.out) continue;
    Plan pl = plan(p);
    ++index;
    const Node& t = *pl.wire;
    out_.open("if (ndr_stage >= " + std::to_string(index) + ") {");
    if (is_array(t)) {
      if (MarshalGen::has_pointers(*t.target)) marshal_.free_referent(t, p.name, map);
    } else {
      marshal_.free_owned(t, "(*" + p.name + ")", map);
      out_.line("*" + p.name + " = {};");
    }
    out_.close();
  }
  if (!rec.empty()) out_.line(rec + "ndr_out_status;");
  out_.line(failure_return(m, "ndr_out_status"));
  out_.close();
  if (!rec.empty()) out_.line(rec + "::guise::Status::Ok();");
  if (m.ret) out_.line("return ndr_ret;");
}

void MethodGen::client_body(const ir::Method& m, const std::string& send_expr, const std::string& marshaler_expr,
                            const std::string& limits_expr, const std::string& record_status) {
  client_prelude(m, record_status);
  client_encode(m, marshaler_expr, record_status);
  out_.line("auto ndr_reply = " + send_expr + ";");
  out_.open("if (!ndr_reply.ok()) {");
  if (!record_status.empty()) out_.line(record_status + "ndr_reply.status();");
  out_.line(failure_return(m, "ndr_reply.status()"));
  out_.close();
  client_decode(m, "*ndr_reply", marshaler_expr, limits_expr, record_status);
}

void MethodGen::server_body(const ir::Method& m, const std::string& call_prefix, const ServerCall& how) {
  IdentMap map = params_map();
  out_.line("::guise::ndr::Reader ndr_r(ndr_in, ndr_ctx.limits, ndr_ctx.byte_order);");
  out_.line("ndr_r.set_interface_marshaler(ndr_ctx.interfaces);");
  out_.line("ndr_w.set_interface_marshaler(ndr_ctx.interfaces);");
  std::string args;
  // Storage for every parameter, zeroed so the cleanup below is safe on any path.
  for (const auto& p : m.params) {
    Plan pl = plan(p);
    if (!args.empty()) args += ", ";
    if (p.node->kind == Node::Kind::kHandle) {
      args += "static_cast<handle_t>(&ndr_ctx)";
      continue;
    }
    const Node& t = *pl.wire;
    if (!pl.ref_top) {
      out_.line("std::remove_cv_t<" + p.cpp_type + "> " + p.name + "{};");
    } else if (p.by_reference) {
      out_.line("std::remove_cv_t<std::remove_reference_t<" + p.cpp_type + ">> " + p.name + "{};");
    } else if (is_array(t) || t.kind == Node::Kind::kString || is_conformant_struct(t)) {
      out_.line(storage_type(p) + "* " + p.name + " = nullptr;");
    } else {
      out_.line(storage_type(p) + " " + p.name + "_s{};");
      out_.line("auto* const " + p.name + " = &" + p.name + "_s;");
    }
    args += p.name;
  }
  out_.open("const ::guise::ndr::Defer ndr_cleanup([&] {");
  out_.line("::guise::ndr::Freer ndr_f;");
  out_.line("static_cast<void>(ndr_f);");
  for (const auto& p : m.params) {
    Plan pl = plan(p);
    if (p.node->kind == Node::Kind::kHandle || p.by_reference) continue;
    const Node& t = *pl.wire;
    if (!pl.ref_top) {
      marshal_.free_owned(*p.node, p.name, map);
    } else if (is_array(t) || t.kind == Node::Kind::kString || is_conformant_struct(t)) {
      out_.open("if (" + p.name + " != nullptr) {");
      if (is_array(t) && MarshalGen::has_pointers(*t.target)) marshal_.free_referent(t, p.name, map);
      if (is_conformant_struct(t)) out_.line("::guise::ndr::generated::ndr_free(*" + p.name + ", ndr_f);");
      out_.line("::guise::ndr::free_block(" + p.name + ");");
      out_.close();
    } else {
      marshal_.free_owned(t, p.name + "_s", map);
    }
  }
  out_.close("});");
  // [in] parameters, in order; then the body must be consumed exactly.
  for (const auto& p : m.params) {
    if (!p.in || p.node->kind == Node::Kind::kHandle) continue;
    Plan pl = plan(p);
    const Node& t = *pl.wire;
    if (!pl.ref_top) {
      marshal_.get_flat(*p.node, p.name, map);
      marshal_.get_deferred(*p.node, p.name, map);
    } else if (p.by_reference) {
      marshal_.get_flat(t, p.name, map);
    } else if (is_array(t) && !t.fixed) {
      out_.open("{");
      marshal_.get_conformant_array(t, p.name, map, /*allocate=*/true);
      out_.close();
    } else if (is_array(t)) {
      out_.line("GUISE_RETURN_IF_ERROR(::guise::ndr::allocate_array(ndr_r, " + std::to_string(*t.fixed) + ", " + p.name + "));");
      marshal_.get_flat(t, p.name, map);
      marshal_.get_deferred(t, p.name, map);
    } else if (t.kind == Node::Kind::kString || is_conformant_struct(t)) {
      marshal_.get_referent(t, p.name, map);
    } else {
      marshal_.get_flat(t, p.name + "_s", map);
      marshal_.get_deferred(t, p.name + "_s", map);
    }
  }
  out_.line("GUISE_RETURN_IF_ERROR(ndr_r.expect_end());");
  // [out]-only arrays: the stub provides the caller-sized buffer (charged to the decoding limits).
  for (const auto& p : m.params) {
    if (p.in || !p.out) continue;
    Plan pl = plan(p);
    if (is_array(*pl.wire)) {
      out_.line("GUISE_RETURN_IF_ERROR(::guise::ndr::allocate_array(ndr_r, " + count_of(*pl.wire, map) + ", " + p.name + "));");
    }
  }
  std::string call = call_prefix + m.name + "(" + args + ")";
  if (!how.result.empty()) out_.line(how.result + " = " + call + ";");
  else if (m.ret) out_.line("const " + m.cpp_return + " ndr_ret = " + call + ";");
  else out_.line(call + ";");
  for (const auto& l : how.after_call) out_.line(l);
  for (const auto& p : m.params) {
    if (!p.out) continue;
    Plan pl = plan(p);
    const Node& t = *pl.wire;
    if (is_array(t) || t.kind == Node::Kind::kString || is_conformant_struct(t)) {
      put_param(pl, p.name, map);
    } else {
      put_param(pl, p.name, map);
    }
  }
  if (m.ret && how.result.empty()) marshal_.put_flat(*m.ret, "ndr_ret", map);
  out_.line("return ::guise::Status::Ok();");
}

}  // namespace guise::midl
