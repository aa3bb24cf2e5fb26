// gen_marshal.h: emits the NDR code for one value of a marshal plan (ir::Node).
//
// Every value is marshaled in two passes, as C706 §14.3.12.3 lays out the stream: the flat part
// (primitives, referent ids, embedded arrays, in place) and then the deferred part (the referents of
// the pointers met in the flat part, each one's own flat part followed by its deferred part). The
// same split drives decoding, and a third walk frees what decoding allocated. The generated code
// uses these local names: ndr_w (Writer), ndr_r (Reader), ndr_f (Freer); statements that can fail
// return the Status from the enclosing function. Not thread-safe; one per output file.
#pragma once

#include <string>

#include "diagnostics.h"
#include "emitter.h"
#include "ir.h"

namespace guise::midl {

class MarshalGen {
 public:
  MarshalGen(Emitter& out, Diagnostics& diags) : out_(out), diags_(diags) {}

  // `lv` is a C++ lvalue for the value; `map` prints correlation identifiers in that scope.
  void put_flat(const ir::Node& n, const std::string& lv, const IdentMap& map);
  void put_deferred(const ir::Node& n, const std::string& lv, const IdentMap& map);
  void get_flat(const ir::Node& n, const std::string& lv, const IdentMap& map);
  void get_deferred(const ir::Node& n, const std::string& lv, const IdentMap& map);
  // Frees what `lv` owns (referents, strings, BSTRs, interface references), not lv's own storage.
  void free_owned(const ir::Node& n, const std::string& lv, const IdentMap& map);

  // A pointer's referent, written/read right where the caller stands (top-level [ref] parameters
  // and the deferred part of embedded pointers). `p` is the pointer expression (non-null).
  void put_referent(const ir::Node& target, const std::string& p, const IdentMap& map);
  void get_referent(const ir::Node& target, const std::string& p, const IdentMap& map);
  void free_referent(const ir::Node& target, const std::string& p, const IdentMap& map);

  // Reads a conformant array referent into pointer `p` (allocates it), checking the conformance
  // against the correlation value.
  void get_conformant_array(const ir::Node& arr, const std::string& p, const IdentMap& map, bool allocate);

  // The structure and union functions (declarations for the header, definitions for _p.cpp).
  void declare_struct(const ir::StructInfo& st);
  void define_struct(const ir::StructInfo& st);
  void declare_union(const ir::UnionInfo& un);
  void define_union(const ir::UnionInfo& un);

  static bool has_pointers(const ir::Node& n);
  static int min_wire_size(const ir::Node& n);
  static std::string wire_type(ir::Prim p);
  static std::string disc_type(ir::Prim p);

 private:
  std::string loop_var() { return "ndr_i" + std::to_string(loop_++); }
  std::string temp(const char* what) { return std::string("ndr_") + what + std::to_string(temp_++); }
  std::string count_expr(const ir::Node& arr, const IdentMap& map);
  void union_switch(const ir::UnionInfo& un, const std::string& lv, const std::string& disc, const IdentMap& map,
                    int pass);
  void check_named(const std::string& cpp_name, const SourceLocation& where);

  Emitter& out_;
  Diagnostics& diags_;
  int loop_ = 0;
  int temp_ = 0;
};

}  // namespace guise::midl
