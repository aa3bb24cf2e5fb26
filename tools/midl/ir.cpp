#include "ir.h"

namespace guise::midl::ir {

int prim_wire_size(Prim p) {
  switch (p) {
    case Prim::kInt8: case Prim::kUInt8: case Prim::kChar: return 1;
    case Prim::kInt16: case Prim::kUInt16: case Prim::kWchar: return 2;
    case Prim::kInt32: case Prim::kUInt32: case Prim::kFloat: return 4;
    case Prim::kInt64: case Prim::kUInt64: case Prim::kDouble: return 8;
    case Prim::kGuid: return 16;
  }
  return 4;
}

int prim_alignment(Prim p) { return p == Prim::kGuid ? 4 : prim_wire_size(p); }

}  // namespace guise::midl::ir
