// causality.cpp: the thread's causality id, saved and restored by nested scopes.
#include "com/causality.h"

#include "base/random_guid.h"

namespace guise::com {

namespace {
thread_local std::optional<GUID> t_causality;
}  // namespace

std::optional<GUID> current_causality() noexcept { return t_causality; }

CausalityScope::CausalityScope() : id_(t_causality ? *t_causality : random_guid()), previous_(t_causality) {
  t_causality = id_;
}

CausalityScope::CausalityScope(const GUID& cid) noexcept : id_(cid), previous_(t_causality) { t_causality = id_; }

CausalityScope::~CausalityScope() { t_causality = previous_; }

}  // namespace guise::com
