// async_stub_state.h: what a generated Finish_ stub needs from its Begin_, between invoke_begin and
// invoke_finish of one asynchronous call (async_proxy.h).
//
// An [out] parameter can be sized (size_is(n)) or typed (iid_is(riid)) by an [in] parameter that
// Finish_M does not take. The stub's invoke_begin keeps those values here, under the server call
// object it drove, once Begin_M succeeded; invoke_finish takes them back for the same object and
// opnum. A server call object carries one call at a time, so one slot per object is enough: a new
// Begin_ replaces what an abandoned call left. forget() drops an object's slot (a call object that
// is released without its Finish_ having been driven). Methods without such dependencies keep
// nothing. Thread-safety: all functions may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>

#include "guise/unknwn.h"

namespace guise::ndr {

class AsyncStubState {
 public:
  static void save(const IUnknown* object, std::uint16_t opnum, std::shared_ptr<void> values);
  // The values saved for `object` and `opnum` (removed), or null: no Begin_ for that method.
  static std::shared_ptr<void> take(const IUnknown* object, std::uint16_t opnum);
  static void forget(const IUnknown* object);
};

}  // namespace guise::ndr
