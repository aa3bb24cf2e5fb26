// minwinbase.h: the few base structures the Win32 calls in handleapi.h and synchapi.h take.
//
// SECURITY_ATTRIBUTES keeps Windows' layout so code that fills one compiles unchanged. guise's kernel
// objects are process-local and unnamed (see handleapi.h), so the security descriptor and the inherit
// flag it carries have nothing to act on and are ignored. Plain types: nothing to synchronise.
#pragma once

#include "guise/wtypes.h"

struct SECURITY_ATTRIBUTES {
  DWORD nLength;
  LPVOID lpSecurityDescriptor;
  BOOL bInheritHandle;
};
using PSECURITY_ATTRIBUTES = SECURITY_ATTRIBUTES*;
using LPSECURITY_ATTRIBUTES = SECURITY_ATTRIBUTES*;
