// causality.h: the causality id — which logical chain of calls the calling thread is working for.
//
// MS-DCOM §2.2.13.1: every ORPC request carries ORPCTHIS.cid, "the causality ID": the same GUID for
// every call of one logical call chain (A calls B, B calls back into A, A calls C...), a new one for a
// new chain. The thread carries the current id: a CausalityScope made from an incoming call's cid
// adopts it for the call's duration (the dispatcher does this), so any outgoing call the object makes
// meanwhile continues that chain; a CausalityScope made with no id continues the thread's current chain,
// or starts a new one (a fresh random GUID) when the thread has none — what a proxy does around an
// outgoing call, so that callbacks reaching this STA during the call carry this call's id. Scopes
// nest: each restores the id it found. current_causality() is the id an ORPCTHIS sent now must carry.
// No identity or permission ever derives from a causality id: it is a label a peer chooses.
// Thread-safety: per thread; a scope ends on the thread that made it.
#pragma once

#include <optional>

#include "guise/guiddef.h"

namespace guise::com {

// The calling thread's current causality id, if it is working for a call chain.
std::optional<GUID> current_causality() noexcept;

class [[nodiscard]] CausalityScope {
 public:
  // Continues the thread's chain, or starts a new one.
  CausalityScope();
  // Adopts `cid` (an incoming call's ORPCTHIS.cid).
  explicit CausalityScope(const GUID& cid) noexcept;
  ~CausalityScope();
  CausalityScope(const CausalityScope&) = delete;
  CausalityScope& operator=(const CausalityScope&) = delete;

  const GUID& id() const noexcept { return id_; }

 private:
  GUID id_;
  std::optional<GUID> previous_;
};

}  // namespace guise::com
