// impersonation_scope.h: CoImpersonateClient for one C++ scope — the serving thread is the caller
// from construction until destruction (CoRevertToSelf), whatever path leaves the scope. status()
// is the impersonation's HRESULT; on failure the thread stays the server and the method must not
// touch anything on the caller's behalf. One scope per thread at a time (impersonation never nests).
#pragma once

#include "guise/objbase.h"

namespace filevault {

class ImpersonationScope {
 public:
  ImpersonationScope() : hr_(CoImpersonateClient()) {}
  ~ImpersonationScope() {
    if (SUCCEEDED(hr_)) CoRevertToSelf();
  }
  ImpersonationScope(const ImpersonationScope&) = delete;
  ImpersonationScope& operator=(const ImpersonationScope&) = delete;
  HRESULT status() const { return hr_; }

 private:
  HRESULT hr_;
};

}  // namespace filevault
