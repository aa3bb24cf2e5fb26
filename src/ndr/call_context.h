// call_context.h: what a generated stub receives about the call it is decoding, besides the bytes.
//
// The RPC or COM runtime fills one CallContext per dispatched call and passes it to the generated
// server dispatch entry or object stub; generated code only reads it. `interfaces` unmarshals and
// marshals interface pointers (COM remoting's extension point; may be null for plain RPC), `limits`
// bounds decoding, and `runtime_call` is an opaque pointer the runtime may set to find its own call
// state again (it is handed to the server method as its handle_t for plain RPC interfaces).
// Lifetime: the call. Not shared between threads.
#pragma once

#include "ndr/data_representation.h"
#include "ndr/interface_marshaler.h"
#include "ndr/limits.h"

namespace guise::ndr {

struct CallContext {
  InterfaceMarshaler* interfaces = nullptr;
  Limits limits;
  // The byte order from the request's data representation label (data_representation.h).
  ByteOrder byte_order = ByteOrder::kLittleEndian;
  void* runtime_call = nullptr;
};

}  // namespace guise::ndr
