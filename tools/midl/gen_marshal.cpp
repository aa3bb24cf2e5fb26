#include "gen_marshal.h"

namespace guise::midl {

using ir::Node;
using ir::Prim;
using ir::PtrKind;

namespace {
constexpr const char* kRet = "GUISE_RETURN_IF_ERROR(";
const char* kNs = "::guise::ndr::";
const char* kGen = "::guise::ndr::generated::";

std::string elem_type(const std::string& p) {
  return "std::remove_cv_t<std::remove_pointer_t<std::remove_reference_t<decltype(" + p + ")>>>";
}
std::string value_type(const std::string& lv) { return "std::remove_cv_t<std::remove_reference_t<decltype(" + lv + ")>>"; }
}  // namespace

std::string MarshalGen::wire_type(Prim p) {
  switch (p) {
    case Prim::kInt8: return "std::int8_t";
    case Prim::kUInt8: return "std::uint8_t";
    case Prim::kChar: return "char";
    case Prim::kInt16: return "std::int16_t";
    case Prim::kUInt16: return "std::uint16_t";
    case Prim::kWchar: return "char16_t";
    case Prim::kInt32: return "std::int32_t";
    case Prim::kUInt32: return "std::uint32_t";
    case Prim::kInt64: return "std::int64_t";
    case Prim::kUInt64: return "std::uint64_t";
    case Prim::kFloat: return "float";
    case Prim::kDouble: return "double";
    case Prim::kGuid: return "GUID";
  }
  return "std::int32_t";
}

std::string MarshalGen::disc_type(Prim p) { return wire_type(p); }

bool MarshalGen::has_pointers(const Node& n) {
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

int MarshalGen::min_wire_size(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kPrim: return ir::prim_wire_size(n.prim);
    case Node::Kind::kEnum: return n.v1_enum ? 4 : 2;
    case Node::Kind::kStruct: {
      int sum = 0;
      for (const auto& m : n.st->members) {
        if (!m.node->is_conformant()) sum += min_wire_size(*m.node);
      }
      return sum > 0 ? sum : 1;
    }
    case Node::Kind::kUnion: return ir::prim_wire_size(n.un->discriminant);
    case Node::Kind::kArray: {
      if (!n.fixed) return 0;
      long long total = static_cast<long long>(*n.fixed) * min_wire_size(*n.target);
      return total > (1 << 20) ? (1 << 20) : static_cast<int>(total);
    }
    case Node::Kind::kHandle: return 0;
    default: return 4;
  }
}

void MarshalGen::check_named(const std::string& cpp_name, const SourceLocation& where) {
  if (cpp_name.empty()) diags_.error(where, "an anonymous structure or union must be named by a typedef to be marshaled");
}

std::string MarshalGen::count_expr(const Node& arr, const IdentMap& map) {
  if (arr.fixed) return std::to_string(*arr.fixed) + "u";
  std::string e = "static_cast<std::uint32_t>(" + print_expr(*arr.size, map) + ")";
  if (arr.size_is_max) e = "(" + e + " + 1u)";
  return e;
}

// ---- put -------------------------------------------------------------------------------------

void MarshalGen::put_flat(const Node& n, const std::string& lv, const IdentMap& map) {
  switch (n.kind) {
    case Node::Kind::kPrim:
      if (n.prim == Prim::kGuid) {
        out_.line(std::string(kNs) + "put(ndr_w, " + lv + ");");
      } else {
        out_.line(std::string(kNs) + "put(ndr_w, static_cast<" + wire_type(n.prim) + ">(" + lv + "));");
      }
      return;
    case Node::Kind::kEnum:
      if (n.v1_enum) out_.line(std::string(kNs) + "put_enum32(ndr_w, " + lv + ");");
      else out_.line(std::string(kRet) + kNs + "put_enum16(ndr_w, " + lv + "));");
      return;
    case Node::Kind::kStruct:
      check_named(n.st->cpp_name, n.st->where);
      out_.line(std::string(kRet) + kGen + "ndr_put_flat(ndr_w, " + lv + "));");
      return;
    case Node::Kind::kUnion:
      if (n.un->cpp_name.empty()) {
        union_switch(*n.un, lv, print_expr(*n.switch_is, map), map, 0);
      } else {
        out_.line(std::string(kRet) + kGen + "ndr_put_flat(ndr_w, " + lv + ", static_cast<std::int64_t>(" +
                  print_expr(*n.switch_is, map) + ")));");
      }
      return;
    case Node::Kind::kPointer:
      if (n.ptr == PtrKind::kRef) out_.line("if (" + lv + " == nullptr) return " + kNs + "null_ref_pointer(\"" + lv + "\");");
      if (n.ptr == PtrKind::kFull) out_.line(std::string("static_cast<void>(") + kNs + "put_full_flat(ndr_w, " + lv + "));");
      else out_.line(std::string(kNs) + "put_pointer_flat(ndr_w, " + lv + ");");
      return;
    case Node::Kind::kArray: {
      const Node& e = *n.target;
      std::string count = count_expr(n, map);
      if (n.is_varying()) {
        std::string len = temp("len");
        out_.line("const auto " + len + " = static_cast<std::uint32_t>(" + print_expr(*n.length, map) + ");");
        out_.line("if (" + len + " > " + count + ") return ::guise::Status(::guise::StatusCode::kInvalidInput, \"ndr: length_is exceeds the array size\", " + kNs + "kHresultBadStubData);");
        out_.line("ndr_w.write_variance(0, " + len + ");");
        count = len;
      }
      if (e.kind == Node::Kind::kPrim && (e.prim == Prim::kUInt8 || e.prim == Prim::kInt8 || e.prim == Prim::kChar)) {
        // Bytes need no per-element alignment or conversion: one copy.
        out_.line("ndr_w.write_bytes(std::as_bytes(std::span(&(" + lv + ")[0], " + count + ")));");
        return;
      }
      std::string i = loop_var();
      out_.open("for (std::uint32_t " + i + " = 0; " + i + " < " + count + "; ++" + i + ") {");
      put_flat(e, "(&(" + lv + ")[0])[" + i + "]", map);
      out_.close();
      return;
    }
    case Node::Kind::kString:
      diags_.error(SourceLocation{}, "internal: string in a flat part");
      return;
    case Node::Kind::kBstr: out_.line(std::string(kNs) + "put_bstr_flat(ndr_w, " + lv + ");"); return;
    case Node::Kind::kInterface:
      out_.line(std::string(kNs) + "put_interface_flat(ndr_w, " + kNs + "to_iunknown(" + lv + "));");
      return;
    case Node::Kind::kHandle: return;
  }
}

void MarshalGen::put_deferred(const Node& n, const std::string& lv, const IdentMap& map) {
  if (!has_pointers(n)) return;
  switch (n.kind) {
    case Node::Kind::kStruct: out_.line(std::string(kRet) + kGen + "ndr_put_deferred(ndr_w, " + lv + "));"); return;
    case Node::Kind::kUnion:
      if (n.un->cpp_name.empty()) {
        union_switch(*n.un, lv, print_expr(*n.switch_is, map), map, 1);
      } else {
        out_.line(std::string(kRet) + kGen + "ndr_put_deferred(ndr_w, " + lv + ", static_cast<std::int64_t>(" +
                  print_expr(*n.switch_is, map) + ")));");
      }
      return;
    case Node::Kind::kPointer:
      if (n.ptr == PtrKind::kFull) out_.open("if (" + lv + " != nullptr && ndr_w.claim_full_referent(" + lv + ")) {");
      else out_.open("if (" + lv + " != nullptr) {");
      put_referent(*n.target, lv, map);
      out_.close();
      return;
    case Node::Kind::kArray: {
      std::string count = n.is_varying() ? "static_cast<std::uint32_t>(" + print_expr(*n.length, map) + ")" : count_expr(n, map);
      std::string i = loop_var();
      out_.open("for (std::uint32_t " + i + " = 0; " + i + " < " + count + "; ++" + i + ") {");
      put_deferred(*n.target, "(&(" + lv + ")[0])[" + i + "]", map);
      out_.close();
      return;
    }
    case Node::Kind::kBstr: out_.line(std::string(kNs) + "put_bstr_deferred(ndr_w, " + lv + ");"); return;
    case Node::Kind::kInterface: {
      std::string iid = n.iid_is ? std::string(kNs) + "iid_of(" + print_expr(*n.iid_is, map) + ")" : n.iid_cpp;
      out_.line(std::string(kRet) + kNs + "put_interface_deferred(ndr_w, " + kNs + "to_iunknown(" + lv + "), " + iid + "));");
      return;
    }
    default: return;
  }
}

void MarshalGen::put_referent(const Node& t, const std::string& p, const IdentMap& map) {
  switch (t.kind) {
    case Node::Kind::kString:
      out_.line(std::string(kNs) + "put_string(ndr_w, " + p + ");");
      return;
    case Node::Kind::kArray: {
      std::string count = count_expr(t, map);
      out_.open("{");
      std::string n = temp("count");
      out_.line("const std::uint32_t " + n + " = " + count + ";");
      out_.line("ndr_w.write_conformance(" + n + ");");
      Node inner = t;
      inner.fixed = std::nullopt;
      // Elements: same as an embedded array of n elements.
      std::string lv = p;
      if (t.is_varying()) {
        std::string len = temp("len");
        out_.line("const auto " + len + " = static_cast<std::uint32_t>(" + print_expr(*t.length, map) + ");");
        out_.line("if (" + len + " > " + n + ") return ::guise::Status(::guise::StatusCode::kInvalidInput, \"ndr: length_is exceeds size_is\", " + kNs + "kHresultBadStubData);");
        out_.line("ndr_w.write_variance(0, " + len + ");");
        n = len;
      }
      const Node& e = *t.target;
      if (e.kind == Node::Kind::kPrim && (e.prim == Prim::kUInt8 || e.prim == Prim::kInt8 || e.prim == Prim::kChar)) {
        out_.line("if (" + n + " != 0) ndr_w.write_bytes(std::as_bytes(std::span(" + p + ", " + n + ")));");
      } else {
        std::string i = loop_var();
        out_.open("for (std::uint32_t " + i + " = 0; " + i + " < " + n + "; ++" + i + ") {");
        put_flat(e, p + "[" + i + "]", map);
        out_.close();
        if (has_pointers(e)) {
          std::string j = loop_var();
          out_.open("for (std::uint32_t " + j + " = 0; " + j + " < " + n + "; ++" + j + ") {");
          put_deferred(e, p + "[" + j + "]", map);
          out_.close();
        }
      }
      out_.close();
      return;
    }
    default:
      put_flat(t, "(*" + p + ")", map);
      put_deferred(t, "(*" + p + ")", map);
      return;
  }
}

// ---- get -------------------------------------------------------------------------------------

void MarshalGen::get_flat(const Node& n, const std::string& lv, const IdentMap& map) {
  switch (n.kind) {
    case Node::Kind::kPrim: {
      if (n.prim == Prim::kGuid) {
        out_.line(std::string(kRet) + kNs + "get(ndr_r, " + lv + "));");
        return;
      }
      std::string t = temp("v");
      out_.open("{");
      out_.line(wire_type(n.prim) + " " + t + "{};");
      out_.line(std::string(kRet) + kNs + "get(ndr_r, " + t + "));");
      out_.line(lv + " = static_cast<" + value_type(lv) + ">(" + t + ");");
      out_.close();
      return;
    }
    case Node::Kind::kEnum:
      out_.line(std::string(kRet) + kNs + (n.v1_enum ? "get_enum32" : "get_enum16") + "(ndr_r, " + lv + "));");
      return;
    case Node::Kind::kStruct:
      check_named(n.st->cpp_name, n.st->where);
      out_.line(std::string(kRet) + kGen + "ndr_get_flat(ndr_r, " + lv + "));");
      return;
    case Node::Kind::kUnion:
      if (n.un->cpp_name.empty()) {
        union_switch(*n.un, lv, print_expr(*n.switch_is, map), map, 2);
      } else {
        out_.line(std::string(kRet) + kGen + "ndr_get_flat(ndr_r, " + lv + ", static_cast<std::int64_t>(" +
                  print_expr(*n.switch_is, map) + ")));");
      }
      return;
    case Node::Kind::kPointer:
      if (n.ptr == PtrKind::kRef) out_.line(std::string(kRet) + kNs + "get_ref_flat(ndr_r, " + lv + "));");
      else if (n.ptr == PtrKind::kFull) out_.line(std::string(kRet) + kNs + "get_full_flat(ndr_r, " + lv + "));");
      else out_.line(std::string(kRet) + kNs + "get_unique_flat(ndr_r, " + lv + "));");
      return;
    case Node::Kind::kArray: {
      const Node& e = *n.target;
      std::string count = count_expr(n, map);
      std::string first = "0u";
      if (n.is_varying()) {
        std::string off = temp("offset");
        std::string len = temp("len");
        out_.line("std::uint32_t " + off + " = 0, " + len + " = 0;");
        out_.line(std::string(kRet) + "ndr_r.read_variance(" + count + ", " + std::to_string(min_wire_size(e)) + ", " + off + ", " + len + "));");
        out_.line("if (" + len + " != static_cast<std::uint32_t>(" + print_expr(*n.length, map) + ")) return ndr_r.fail(" + kNs + "DecodeError::kConformanceMismatch);");
        first = off;
        count = off + " + " + len;
      }
      std::string i = loop_var();
      out_.open("for (std::uint32_t " + i + " = " + first + "; " + i + " < " + count + "; ++" + i + ") {");
      get_flat(e, "(&(" + lv + ")[0])[" + i + "]", map);
      out_.close();
      return;
    }
    case Node::Kind::kString: diags_.error(SourceLocation{}, "internal: string in a flat part"); return;
    case Node::Kind::kBstr: out_.line(std::string(kRet) + kNs + "get_bstr_flat(ndr_r, " + lv + "));"); return;
    case Node::Kind::kInterface: {
      std::string t = temp("itf");
      out_.open("{");
      out_.line("IUnknown* " + t + " = nullptr;");
      out_.line(std::string(kRet) + kNs + "get_interface_flat(ndr_r, " + t + "));");
      out_.line(lv + " = " + kNs + "interface_cast<" + value_type(lv) + ">(" + t + ");");
      out_.close();
      return;
    }
    case Node::Kind::kHandle: return;
  }
}

void MarshalGen::get_deferred(const Node& n, const std::string& lv, const IdentMap& map) {
  if (!has_pointers(n)) return;
  switch (n.kind) {
    case Node::Kind::kStruct: out_.line(std::string(kRet) + kGen + "ndr_get_deferred(ndr_r, " + lv + "));"); return;
    case Node::Kind::kUnion:
      if (n.un->cpp_name.empty()) {
        union_switch(*n.un, lv, print_expr(*n.switch_is, map), map, 3);
      } else {
        out_.line(std::string(kRet) + kGen + "ndr_get_deferred(ndr_r, " + lv + ", static_cast<std::int64_t>(" +
                  print_expr(*n.switch_is, map) + ")));");
      }
      return;
    case Node::Kind::kPointer: {
      if (n.ptr == PtrKind::kFull) {
        std::string id = temp("id");
        out_.open("if (const std::uint32_t " + id + " = ndr_r.take_full_pointer_slot(&" + lv + "); " + id + " != 0) {");
        out_.open("if (void* ndr_known = ndr_r.full_pointer_lookup(" + id + ")) {");
        out_.line(lv + " = static_cast<" + value_type(lv) + ">(ndr_known);");
        out_.middle("} else {");
        std::string g = temp("depth");
        out_.line("::guise::ndr::DepthGuard " + g + "(ndr_r);");
        out_.line(std::string(kRet) + g + ".enter());");
        get_referent(*n.target, lv, map);
        out_.line("ndr_r.full_pointer_define(" + id + ", const_cast<void*>(static_cast<const void*>(" + lv + ")));");
        out_.close();
        out_.close();
        return;
      }
      out_.open("if (" + lv + " != nullptr) {");
      std::string g = temp("depth");
      out_.line("::guise::ndr::DepthGuard " + g + "(ndr_r);");
      out_.line(std::string(kRet) + g + ".enter());");
      get_referent(*n.target, lv, map);
      out_.close();
      return;
    }
    case Node::Kind::kArray: {
      std::string count = n.is_varying() ? "static_cast<std::uint32_t>(" + print_expr(*n.length, map) + ")" : count_expr(n, map);
      std::string i = loop_var();
      out_.open("for (std::uint32_t " + i + " = 0; " + i + " < " + count + "; ++" + i + ") {");
      get_deferred(*n.target, "(&(" + lv + ")[0])[" + i + "]", map);
      out_.close();
      return;
    }
    case Node::Kind::kBstr: out_.line(std::string(kRet) + kNs + "get_bstr_deferred(ndr_r, " + lv + "));"); return;
    case Node::Kind::kInterface: {
      std::string iid = n.iid_is ? std::string(kNs) + "iid_of(" + print_expr(*n.iid_is, map) + ")" : n.iid_cpp;
      std::string t = temp("itf");
      out_.open("{");
      out_.line("IUnknown* " + t + " = " + lv + " == nullptr ? nullptr : " + kNs + "pending_referent<IUnknown>();");
      out_.line(std::string(kRet) + kNs + "get_interface_deferred(ndr_r, " + t + ", " + iid + "));");
      out_.line(lv + " = " + kNs + "interface_cast<" + value_type(lv) + ">(" + t + ");");
      out_.close();
      return;
    }
    default: return;
  }
}

void MarshalGen::get_conformant_array(const Node& arr, const std::string& p, const IdentMap& map, bool allocate) {
  const Node& e = *arr.target;
  std::string mc = temp("max");
  out_.line("std::uint32_t " + mc + " = 0;");
  out_.line(std::string(kRet) + "ndr_r.read_conformance(" + mc + ", " + std::to_string(arr.is_varying() ? 0 : min_wire_size(e)) + "));");
  out_.line("if (" + mc + " != " + count_expr(arr, map) + ") return ndr_r.fail(" + kNs + "DecodeError::kConformanceMismatch);");
  std::string first = "0u";
  std::string end = mc;
  if (arr.is_varying()) {
    std::string off = temp("offset");
    std::string len = temp("len");
    out_.line("std::uint32_t " + off + " = 0, " + len + " = 0;");
    out_.line(std::string(kRet) + "ndr_r.read_variance(" + mc + ", " + std::to_string(min_wire_size(e)) + ", " + off + ", " + len + "));");
    out_.line("if (" + len + " != static_cast<std::uint32_t>(" + print_expr(*arr.length, map) + ")) return ndr_r.fail(" + kNs + "DecodeError::kConformanceMismatch);");
    first = off;
    end = off + " + " + len;
  }
  std::string t = temp("elems");
  if (allocate) {
    out_.line(elem_type(p) + "* " + t + " = nullptr;");
    out_.line(std::string(kRet) + kNs + "allocate_array(ndr_r, " + mc + ", " + t + "));");
    out_.line(p + " = " + t + ";");
  } else {
    out_.line(elem_type(p) + "* " + t + " = " + p + ";");
  }
  if (e.kind == Node::Kind::kPrim && (e.prim == Prim::kUInt8 || e.prim == Prim::kInt8 || e.prim == Prim::kChar)) {
    out_.line(std::string(kRet) + "ndr_r.read_bytes(std::as_writable_bytes(std::span(" + t + " + " + first + ", " + end + " - " + first + "))));");
    return;
  }
  std::string i = loop_var();
  out_.open("for (std::uint32_t " + i + " = " + first + "; " + i + " < " + end + "; ++" + i + ") {");
  get_flat(e, t + "[" + i + "]", map);
  out_.close();
  if (has_pointers(e)) {
    std::string j = loop_var();
    out_.open("for (std::uint32_t " + j + " = " + first + "; " + j + " < " + end + "; ++" + j + ") {");
    get_deferred(e, t + "[" + j + "]", map);
    out_.close();
  }
}

void MarshalGen::get_referent(const Node& t, const std::string& p, const IdentMap& map) {
  switch (t.kind) {
    case Node::Kind::kString: {
      std::string s = temp("str");
      out_.line(elem_type(p) + "* " + s + " = nullptr;");
      out_.line(std::string(kRet) + kNs + "get_string(ndr_r, " + s + "));");
      out_.line(p + " = " + s + ";");
      return;
    }
    case Node::Kind::kArray:
      get_conformant_array(t, p, map, /*allocate=*/true);
      return;
    case Node::Kind::kStruct:
      if (t.st->conformant) {
        std::string s = temp("st");
        out_.line(elem_type(p) + "* " + s + " = nullptr;");
        out_.line(std::string(kRet) + kGen + "ndr_get_conformant(ndr_r, " + s + "));");
        out_.line(p + " = " + s + ";");
        return;
      }
      [[fallthrough]];
    default: {
      std::string s = temp("ref");
      out_.line(elem_type(p) + "* " + s + " = nullptr;");
      out_.line(std::string(kRet) + kNs + "allocate_array(ndr_r, 1, " + s + "));");
      out_.line(p + " = " + s + ";");
      get_flat(t, "(*" + s + ")", map);
      get_deferred(t, "(*" + s + ")", map);
      return;
    }
  }
}

// ---- free ------------------------------------------------------------------------------------

void MarshalGen::free_owned(const Node& n, const std::string& lv, const IdentMap& map) {
  if (!has_pointers(n)) return;
  switch (n.kind) {
    case Node::Kind::kStruct: out_.line(std::string(kGen) + "ndr_free(" + lv + ", ndr_f);"); return;
    case Node::Kind::kUnion:
      if (n.un->cpp_name.empty()) {
        union_switch(*n.un, lv, print_expr(*n.switch_is, map), map, 4);
      } else {
        out_.line(std::string(kGen) + "ndr_free(" + lv + ", static_cast<std::int64_t>(" + print_expr(*n.switch_is, map) + "), ndr_f);");
      }
      return;
    case Node::Kind::kPointer:
      // Only [ptr] referents can be shared, so only they go through the Freer's seen-set.
      if (n.ptr == PtrKind::kFull) out_.open("if (ndr_f.claim(" + lv + ")) {");
      else out_.open("if (" + lv + " != nullptr && !::guise::ndr::is_pending_referent(" + lv + ")) {");
      free_referent(*n.target, lv, map);
      out_.line(std::string(kNs) + "free_block(const_cast<void*>(static_cast<const void*>(" + lv + ")));");
      out_.close();
      out_.line(lv + " = nullptr;");
      return;
    case Node::Kind::kArray: {
      std::string count = count_expr(n, map);
      std::string i = loop_var();
      out_.open("for (std::uint32_t " + i + " = 0; " + i + " < " + count + "; ++" + i + ") {");
      free_owned(*n.target, "(&(" + lv + ")[0])[" + i + "]", map);
      out_.close();
      return;
    }
    case Node::Kind::kBstr:
      out_.line(std::string(kNs) + "free_bstr(" + lv + ");");
      out_.line(lv + " = nullptr;");
      return;
    case Node::Kind::kInterface:
      out_.line(std::string(kNs) + "free_interface(" + kNs + "to_iunknown(" + lv + "));");
      out_.line(lv + " = nullptr;");
      return;
    default: return;
  }
}

void MarshalGen::free_referent(const Node& t, const std::string& p, const IdentMap& map) {
  switch (t.kind) {
    case Node::Kind::kString: return;
    case Node::Kind::kArray: {
      if (!has_pointers(*t.target)) return;
      std::string count = count_expr(t, map);
      std::string i = loop_var();
      out_.open("for (std::uint32_t " + i + " = 0; " + i + " < " + count + "; ++" + i + ") {");
      free_owned(*t.target, p + "[" + i + "]", map);
      out_.close();
      return;
    }
    default: free_owned(t, "(*" + p + ")", map); return;
  }
}

// ---- unions ----------------------------------------------------------------------------------

// pass: 0 put_flat, 1 put_deferred, 2 get_flat, 3 get_deferred, 4 free.
void MarshalGen::union_switch(const ir::UnionInfo& un, const std::string& lv, const std::string& disc, const IdentMap& map,
                              int pass) {
  if (pass == 0) out_.line("ndr_w.align(" + std::to_string(un.arm_align) + ");");
  if (pass == 2) out_.line(std::string(kRet) + "ndr_r.align(" + std::to_string(un.arm_align) + "));");
  out_.open("switch (static_cast<std::int64_t>(" + disc + ")) {");
  bool have_default = false;
  for (const auto& arm : un.arms) {
    for (auto label : arm.labels) out_.line("case " + std::to_string(label) + (label > 0x7FFFFFFF || label < -0x7FFFFFFF ? "ll" : "") + ":");
    if (arm.is_default) {
      out_.line("default:");
      have_default = true;
    }
    out_.open("{");
    if (arm.arm) {
      std::string member = lv + "." + arm.arm->name;
      const Node& a = *arm.arm->node;
      switch (pass) {
        case 0: put_flat(a, member, map); break;
        case 1: put_deferred(a, member, map); break;
        case 2: get_flat(a, member, map); break;
        case 3: get_deferred(a, member, map); break;
        default: free_owned(a, member, map); break;
      }
    }
    out_.line("break;");
    out_.close();
  }
  if (!have_default) {
    out_.line("default:");
    if (pass == 0) out_.line(std::string("  return ") + kNs + "invalid_union_tag();");
    else if (pass == 2) out_.line(std::string("  return ndr_r.fail(") + kNs + "DecodeError::kBadUnionDiscriminant);");
    else out_.line("  break;");
  }
  out_.close();
}

}  // namespace guise::midl
