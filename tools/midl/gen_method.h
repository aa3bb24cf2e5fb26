// gen_method.h: the bodies of generated client calls and server stubs, one method at a time.
//
// The client side (an [object] proxy method or a plain-RPC client stub) encodes the [in] parameters
// in order, sends them through `send_expr`, and decodes the [out] parameters and the return value,
// freeing and zeroing what it decoded if the reply turns out to be bad. The server side decodes the
// [in] parameters into local storage (a top-level [ref] pointer's referent lives in the stub; its
// pointer is what the method receives), allocates [out] storage, calls the method, encodes the
// [out] parameters and the return value, and frees every decoded and returned referent on every
// path (COM's rules for [in] and [out] memory). Not thread-safe; one per output file.
#pragma once

#include <string>
#include <vector>

#include "diagnostics.h"
#include "emitter.h"
#include "gen_marshal.h"
#include "ir.h"

namespace guise::midl {

class MethodGen {
 public:
  MethodGen(Emitter& out, Diagnostics& diags) : out_(out), marshal_(out, diags) {}

  // Body of a client call. `send_expr` is an expression of type Result<std::vector<std::byte>>
  // that may use `ndr_w.bytes()`; `marshaler_expr` gives the InterfaceMarshaler*; `limits_expr`
  // the decoding Limits; `record_status` (may be empty) is a statement prefix taking the Status.
  void client_body(const ir::Method& m, const std::string& send_expr, const std::string& marshaler_expr,
                   const std::string& limits_expr, const std::string& record_status);

  // The pieces of client_body, also used apart by the asynchronous Begin_/Finish_ halves:
  // client_prelude refuses NULL [ref] parameters and zeroes [out]-only ones; client_encode declares
  // ndr_w and encodes the [in] parameters into it (returning on failure); client_decode reads the
  // [out] parameters and the return value from `reply` (a byte container lvalue) and returns.
  void client_prelude(const ir::Method& m, const std::string& record_status);
  void client_encode(const ir::Method& m, const std::string& marshaler_expr, const std::string& record_status);
  void client_decode(const ir::Method& m, const std::string& reply, const std::string& marshaler_expr,
                     const std::string& limits_expr, const std::string& record_status);

  // How a server body calls the method: by default the return value is encoded after the [out]
  // parameters; with `result` set it is assigned there instead (Begin_: *ndr_begin_result) and not
  // encoded. `after_call` lines follow the call, with the decoded parameters still in scope.
  struct ServerCall {
    std::string result;
    std::vector<std::string> after_call;
  };

  // Body of a server stub; `call_prefix` is "ndr_self->" (the object) and the locals ndr_in (span),
  // ndr_w (Writer&) and ndr_ctx (CallContext&) are in scope.
  void server_body(const ir::Method& m, const std::string& call_prefix, const ServerCall& how = {});

  // The statement returning a failed call's Status `s` in the method's return type.
  static std::string failure_return(const ir::Method& m, const std::string& s);

 private:
  struct Plan {
    const ir::Param* p;
    bool ref_top;
    const ir::Node* wire;
  };
  static Plan plan(const ir::Param& p);
  void put_param(const Plan& pl, const std::string& lv_base, const IdentMap& map);

  Emitter& out_;
  MarshalGen marshal_;
};

}  // namespace guise::midl
