// async_plan.h: how an [async_uuid] interface's methods split into Begin_/Finish_ halves.
//
// Begin_M takes M's [in] and [in, out] parameters (as [in]: the value sent), Finish_M its [out] and
// [in, out] ones (as [out]: where the reply goes), both returning HRESULT — the header declares
// them from these, and the proxy and stubs marshal them with the synchronous code paths, so the
// bytes are M's request and response. An [out] parameter's size or IID may depend on an [in]-only
// parameter Finish_ does not take: those values are saved at Begin_ (`saved`) and put back in scope
// for Finish_. check_async reports what cannot be split that way (MIDL's rules and ours).
// Plain functions over the IR; no state.
#pragma once

#include <string>
#include <vector>

#include "diagnostics.h"
#include "ir.h"

namespace guise::midl {

struct SavedParam {
  const ir::Param* param;
  std::string value_type;  // the C++ type the value is kept as
  bool pointee = false;    // an [in] [ref] pointer to a scalar: the value it points to is kept
};

struct AsyncSplit {
  ir::Method begin;
  ir::Method finish;
  std::vector<SavedParam> saved;  // in parameter order
};

AsyncSplit split_async(const ir::Method& m);

// The interfaces whose Begin_/Finish_ pairs make up Async<itf>'s vtable, base first: itf and its
// bases while they have an async_uuid.
std::vector<const ir::Interface*> async_chain(const ir::Interface& itf);

// Errors for an [async_uuid] interface: a base that is neither IUnknown nor asynchronous, a method
// not returning HRESULT, an [out] parameter depending on a parameter Finish_ cannot see.
void check_async(const ir::Interface& itf, Diagnostics& diags);

}  // namespace guise::midl
