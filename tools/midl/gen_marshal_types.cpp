// gen_marshal_types.cpp: the NDR functions emitted once per structure and union type
// (ndr_put_flat/ndr_put_deferred/ndr_get_flat/ndr_get_deferred/ndr_get_conformant/ndr_free).
#include "gen_marshal.h"

namespace guise::midl {

using ir::Node;

namespace {
std::string elem_type(const std::string& p) {
  return "std::remove_cv_t<std::remove_pointer_t<std::remove_reference_t<decltype(" + p + ")>>>";
}

// A structure made only of primitives, fixed arrays of primitives and such structures has a flat
// part whose layout is known at compile time: aligned to the structure's alignment, every field sits
// at a fixed offset (C706 §14.3.6: members aligned to their own size, no trailing pad). Such a
// structure is written and read with one bounds check instead of one per field.
struct FixedField {
  std::string lv;  // relative to the structure: ".x", ".a[2]", ".inner.y"
  ir::Prim prim;
  int offset;
};

bool fixed_layout(const ir::StructInfo& st, const std::string& prefix, int& offset, std::vector<FixedField>& out) {
  if (st.conformant || st.has_pointers) return false;
  for (const auto& m : st.members) {
    const Node& n = *m.node;
    if (n.kind == Node::Kind::kPrim) {
      const int a = ir::prim_alignment(n.prim);
      offset = (offset + a - 1) / a * a;
      out.push_back({prefix + "." + m.name, n.prim, offset});
      offset += ir::prim_wire_size(n.prim);
    } else if (n.kind == Node::Kind::kArray && n.fixed && !n.length && n.target->kind == Node::Kind::kPrim &&
               *n.fixed <= 64) {
      const ir::Prim p = n.target->prim;
      const int a = ir::prim_alignment(p);
      offset = (offset + a - 1) / a * a;
      for (std::uint64_t i = 0; i < *n.fixed; ++i) {
        out.push_back({prefix + "." + m.name + "[" + std::to_string(i) + "]", p, offset});
        offset += ir::prim_wire_size(p);
      }
    } else if (n.kind == Node::Kind::kStruct && !n.st->cpp_name.empty()) {
      offset = (offset + n.st->align - 1) / n.st->align * n.st->align;
      if (!fixed_layout(*n.st, prefix + "." + m.name, offset, out)) return false;
    } else {
      return false;
    }
  }
  return true;
}

std::string fixed_wire_type(ir::Prim p) {
  return p == ir::Prim::kWchar ? "std::uint16_t" : MarshalGen::wire_type(p);
}
}  // namespace

void MarshalGen::declare_union(const ir::UnionInfo& un) {
  const std::string& t = un.cpp_name;
  out_.line("[[nodiscard]] ::guise::Status ndr_put_flat(::guise::ndr::Writer& ndr_w, const " + t + "& v, std::int64_t ndr_disc);");
  out_.line("[[nodiscard]] ::guise::Status ndr_put_deferred(::guise::ndr::Writer& ndr_w, const " + t + "& v, std::int64_t ndr_disc);");
  out_.line("[[nodiscard]] ::guise::Status ndr_get_flat(::guise::ndr::Reader& ndr_r, " + t + "& v, std::int64_t ndr_disc);");
  out_.line("[[nodiscard]] ::guise::Status ndr_get_deferred(::guise::ndr::Reader& ndr_r, " + t + "& v, std::int64_t ndr_disc);");
  out_.line("void ndr_free(" + t + "& v, std::int64_t ndr_disc, ::guise::ndr::Freer& ndr_f);");
}

void MarshalGen::define_union(const ir::UnionInfo& un) {
  const std::string& t = un.cpp_name;
  IdentMap map = [](const std::string& id) { return id; };
  const std::string dt = disc_type(un.discriminant);
  const int union_align = std::max(ir::prim_alignment(un.discriminant), un.arm_align);
  // Flat part: discriminant (aligned to the whole union, C706 §14.3.8), then the selected arm.
  out_.open("::guise::Status ndr_put_flat(::guise::ndr::Writer& ndr_w, const " + t + "& v, std::int64_t ndr_disc) {");
  out_.line("ndr_w.align(" + std::to_string(union_align) + ");");
  out_.line("::guise::ndr::put(ndr_w, static_cast<" + dt + ">(ndr_disc));");
  union_switch(un, "v", "ndr_disc", map, 0);
  out_.line("return ::guise::Status::Ok();");
  out_.close();
  out_.open("::guise::Status ndr_put_deferred(::guise::ndr::Writer& ndr_w, const " + t + "& v, std::int64_t ndr_disc) {");
  out_.line("static_cast<void>(ndr_w);");
  out_.line("static_cast<void>(v);");
  if (un.has_pointers) union_switch(un, "v", "ndr_disc", map, 1);
  else out_.line("static_cast<void>(ndr_disc);");
  out_.line("return ::guise::Status::Ok();");
  out_.close();
  out_.open("::guise::Status ndr_get_flat(::guise::ndr::Reader& ndr_r, " + t + "& v, std::int64_t ndr_disc) {");
  out_.line("GUISE_RETURN_IF_ERROR(ndr_r.align(" + std::to_string(union_align) + "));");
  out_.line(dt + " ndr_wire_disc{};");
  out_.line("GUISE_RETURN_IF_ERROR(::guise::ndr::get(ndr_r, ndr_wire_disc));");
  out_.line("if (ndr_wire_disc != static_cast<" + dt + ">(ndr_disc)) return ndr_r.fail(::guise::ndr::DecodeError::kBadUnionDiscriminant);");
  union_switch(un, "v", "ndr_disc", map, 2);
  out_.line("return ::guise::Status::Ok();");
  out_.close();
  out_.open("::guise::Status ndr_get_deferred(::guise::ndr::Reader& ndr_r, " + t + "& v, std::int64_t ndr_disc) {");
  out_.line("static_cast<void>(ndr_r);");
  out_.line("static_cast<void>(v);");
  if (un.has_pointers) union_switch(un, "v", "ndr_disc", map, 3);
  else out_.line("static_cast<void>(ndr_disc);");
  out_.line("return ::guise::Status::Ok();");
  out_.close();
  out_.open("void ndr_free(" + t + "& v, std::int64_t ndr_disc, ::guise::ndr::Freer& ndr_f) {");
  out_.line("static_cast<void>(v);");
  out_.line("static_cast<void>(ndr_f);");
  if (un.has_pointers) union_switch(un, "v", "ndr_disc", map, 4);
  else out_.line("static_cast<void>(ndr_disc);");
  out_.close();
}

// ---- structures ------------------------------------------------------------------------------

void MarshalGen::declare_struct(const ir::StructInfo& st) {
  const std::string& t = st.cpp_name;
  out_.line("[[nodiscard]] ::guise::Status ndr_put_flat(::guise::ndr::Writer& ndr_w, const " + t + "& v);");
  out_.line("[[nodiscard]] ::guise::Status ndr_put_deferred(::guise::ndr::Writer& ndr_w, const " + t + "& v);");
  if (st.conformant) {
    out_.line("// Reads the conformance, allocates the structure with its trailing array, decodes it whole.");
    out_.line("[[nodiscard]] ::guise::Status ndr_get_conformant(::guise::ndr::Reader& ndr_r, " + t + "*& out);");
  } else {
    out_.line("[[nodiscard]] ::guise::Status ndr_get_flat(::guise::ndr::Reader& ndr_r, " + t + "& v);");
    out_.line("[[nodiscard]] ::guise::Status ndr_get_deferred(::guise::ndr::Reader& ndr_r, " + t + "& v);");
  }
  out_.line("void ndr_free(" + t + "& v, ::guise::ndr::Freer& ndr_f);");
}

void MarshalGen::define_struct(const ir::StructInfo& st) {
  const std::string& t = st.cpp_name;
  IdentMap map = [](const std::string& id) { return "v." + id; };
  const ir::Member* last = st.conformant ? &st.members.back() : nullptr;
  int fixed_size = 0;
  std::vector<FixedField> fixed;
  const bool is_fixed = fixed_layout(st, "v", fixed_size, fixed);
  if (is_fixed) {
    out_.line("// Fixed layout: " + std::to_string(fixed_size) + " bytes aligned to " + std::to_string(st.align) + ".");
    out_.open("::guise::Status ndr_put_flat(::guise::ndr::Writer& ndr_w, const " + t + "& v) {");
    out_.line("ndr_w.align(" + std::to_string(st.align) + ");");
    out_.line("std::byte* const ndr_p = ndr_w.claim_filled(" + std::to_string(fixed_size) + ");");
    for (const auto& f : fixed) {
      if (f.prim == ir::Prim::kGuid) {
        out_.line("::guise::ndr::store(ndr_p + " + std::to_string(f.offset) + ", " + f.lv + ");");
      } else {
        out_.line("::guise::ndr::store(ndr_p + " + std::to_string(f.offset) + ", static_cast<" + fixed_wire_type(f.prim) + ">(" +
                  f.lv + "));");
      }
    }
    out_.line("return ::guise::Status::Ok();");
    out_.close();
  } else {
  // Flat part. A conformant structure's conformance comes first (C706 §14.3.7.1), then the members.
  out_.open("::guise::Status ndr_put_flat(::guise::ndr::Writer& ndr_w, const " + t + "& v) {");
  if (last) out_.line("ndr_w.write_conformance(" + count_expr(*last->node, map) + ");");
  out_.line("ndr_w.align(" + std::to_string(st.align) + ");");
  for (const auto& m : st.members) put_flat(*m.node, "v." + m.name, map);
  out_.line("return ::guise::Status::Ok();");
  out_.close();
  }
  out_.open("::guise::Status ndr_put_deferred(::guise::ndr::Writer& ndr_w, const " + t + "& v) {");
  out_.line("static_cast<void>(ndr_w);");
  out_.line("static_cast<void>(v);");
  for (const auto& m : st.members) put_deferred(*m.node, "v." + m.name, map);
  out_.line("return ::guise::Status::Ok();");
  out_.close();
  // Free.
  out_.open("void ndr_free(" + t + "& v, ::guise::ndr::Freer& ndr_f) {");
  out_.line("static_cast<void>(v);");
  out_.line("static_cast<void>(ndr_f);");
  for (const auto& m : st.members) free_owned(*m.node, "v." + m.name, map);
  out_.close();
  if (!last) {
    out_.open("::guise::Status ndr_get_flat(::guise::ndr::Reader& ndr_r, " + t + "& v) {");
    out_.line("GUISE_RETURN_IF_ERROR(ndr_r.align(" + std::to_string(st.align) + "));");
    if (is_fixed) {
      out_.line("const std::byte* ndr_p = nullptr;");
      out_.line("GUISE_RETURN_IF_ERROR(ndr_r.take(" + std::to_string(fixed_size) + ", ndr_p));");
      out_.line("const ::guise::ndr::ByteOrder ndr_order = ndr_r.byte_order();");
      for (const auto& f : fixed) {
        const std::string w = fixed_wire_type(f.prim);
        out_.line(f.lv + " = static_cast<std::remove_cv_t<std::remove_reference_t<decltype(" + f.lv + ")>>>(::guise::ndr::load<" + w +
                  ">(ndr_p + " + std::to_string(f.offset) + ", ndr_order));");
      }
    } else {
      for (const auto& m : st.members) get_flat(*m.node, "v." + m.name, map);
    }
    out_.line("return ::guise::Status::Ok();");
    out_.close();
    out_.open("::guise::Status ndr_get_deferred(::guise::ndr::Reader& ndr_r, " + t + "& v) {");
    out_.line("static_cast<void>(ndr_r);");
    out_.line("static_cast<void>(v);");
    for (const auto& m : st.members) get_deferred(*m.node, "v." + m.name, map);
    out_.line("return ::guise::Status::Ok();");
    out_.close();
    return;
  }
  // Conformant: decode into a block sized for the claimed conformance (checked against the body
  // before allocating), then check the conformance against the size_is member.
  const Node& arr = *last->node;
  const Node& e = *arr.target;
  out_.open("::guise::Status ndr_get_conformant(::guise::ndr::Reader& ndr_r, " + t + "*& out) {");
  out_.line("out = nullptr;");
  out_.line("std::uint32_t ndr_max = 0;");
  out_.line("GUISE_RETURN_IF_ERROR(ndr_r.read_conformance(ndr_max, " + std::to_string(arr.is_varying() ? 0 : min_wire_size(e)) + "));");
  out_.line("constexpr std::size_t ndr_head = offsetof(" + t + ", " + last->name + ");");
  out_.line("const std::size_t ndr_bytes = std::max(sizeof(" + t + "), ndr_head + static_cast<std::size_t>(ndr_max) * sizeof(" + elem_type("out->" + last->name + "[0]") + "));");
  out_.line(t + "* ndr_s = nullptr;");
  out_.line("GUISE_RETURN_IF_ERROR(::guise::ndr::allocate_bytes(ndr_r, ndr_bytes, ndr_s));");
  out_.line(t + "& v = *ndr_s;");
  out_.line("::guise::Status ndr_status = [&]() -> ::guise::Status {");
  out_.line("  GUISE_RETURN_IF_ERROR(ndr_r.align(" + std::to_string(st.align) + "));");
  for (std::size_t i = 0; i + 1 < st.members.size(); ++i) get_flat(*st.members[i].node, "v." + st.members[i].name, map);
  out_.line("  if (ndr_max != " + count_expr(arr, map) + ") return ndr_r.fail(::guise::ndr::DecodeError::kConformanceMismatch);");
  {
    std::string p = "(&v." + last->name + "[0])";
    std::string first = "0u";
    std::string end = "ndr_max";
    if (arr.is_varying()) {
      out_.line("  std::uint32_t ndr_offset = 0, ndr_len = 0;");
      out_.line("  GUISE_RETURN_IF_ERROR(ndr_r.read_variance(ndr_max, " + std::to_string(min_wire_size(e)) + ", ndr_offset, ndr_len));");
      out_.line("  if (ndr_len != static_cast<std::uint32_t>(" + print_expr(*arr.length, map) + ")) return ndr_r.fail(::guise::ndr::DecodeError::kConformanceMismatch);");
      first = "ndr_offset";
      end = "ndr_offset + ndr_len";
    }
    std::string i = loop_var();
    out_.open("  for (std::uint32_t " + i + " = " + first + "; " + i + " < " + end + "; ++" + i + ") {");
    get_flat(e, p + "[" + i + "]", map);
    out_.close("  }");
    for (std::size_t k = 0; k + 1 < st.members.size(); ++k) get_deferred(*st.members[k].node, "v." + st.members[k].name, map);
    if (has_pointers(e)) {
      std::string j = loop_var();
      out_.open("  for (std::uint32_t " + j + " = " + first + "; " + j + " < " + end + "; ++" + j + ") {");
      get_deferred(e, p + "[" + j + "]", map);
      out_.close("  }");
    }
  }
  out_.line("  return ::guise::Status::Ok();");
  out_.line("}();");
  out_.open("if (!ndr_status.ok()) {");
  // Free with the allocated element count, never the (possibly mismatching) size_is member.
  out_.line("::guise::ndr::Freer ndr_f;");
  for (std::size_t i = 0; i + 1 < st.members.size(); ++i) free_owned(*st.members[i].node, "v." + st.members[i].name, map);
  if (has_pointers(e)) {
    std::string k = loop_var();
    out_.open("for (std::uint32_t " + k + " = 0; " + k + " < ndr_max; ++" + k + ") {");
    free_owned(e, "(&v." + last->name + "[0])[" + k + "]", map);
    out_.close();
  }
  out_.line("::guise::ndr::free_block(ndr_s);");
  out_.line("return ndr_status;");
  out_.close();
  out_.line("out = ndr_s;");
  out_.line("return ::guise::Status::Ok();");
  out_.close();
}

}  // namespace guise::midl
