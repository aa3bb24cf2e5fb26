// objref_hex.h: what the COM benchmarks share — an interface pointer marshaled as hex text, so a server
// child can hand it to its clients through a pipe. Both abort the benchmark program on failure (a
// benchmark that cannot reach its object measures nothing). Thread-safety: none needed; each call
// works on its own stream.
#pragma once

#include <string>

#include "guise/objbase.h"

namespace guise::bench {

// CoMarshalInterface(MSHCTX_LOCAL, MSHLFLAGS_TABLESTRONG): any number of clients may unmarshal it.
std::string marshal_to_hex(IUnknown* object, REFIID iid);
// CoUnmarshalInterface of marshal_to_hex's text: the proxy, one reference.
void* unmarshal_from_hex(const std::string& hex, REFIID iid);

template <class Interface>
Interface* unmarshal_from_hex(const std::string& hex, REFIID iid) {
  return static_cast<Interface*>(unmarshal_from_hex(hex, iid));
}

}  // namespace guise::bench
