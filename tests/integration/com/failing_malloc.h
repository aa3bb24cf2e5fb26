// failing_malloc.h: makes COM task memory run out for a scope (tests only), through the IMallocSpy
// Windows offers for exactly this: while a FailingMalloc lives, every CoTaskMemAlloc / CoTaskMemRealloc
// of a non-zero size in this process returns NULL (spec R13, R47: E_OUTOFMEMORY paths).
// Thread-safety: one at a time per process; it affects every thread while it lives.
#pragma once

#include "guise/objbase.h"

namespace guise::com::testing {

class FailingMalloc {
 public:
  FailingMalloc();
  ~FailingMalloc();
  FailingMalloc(const FailingMalloc&) = delete;
  FailingMalloc& operator=(const FailingMalloc&) = delete;
  // CoRegisterMallocSpy's answer (S_OK when the scope is in force).
  HRESULT registered() const { return registered_; }

 private:
  HRESULT registered_;
};

}  // namespace guise::com::testing
