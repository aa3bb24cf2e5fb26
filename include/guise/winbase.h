// winbase.h: the global-memory calls COM streams are built on (GlobalAlloc and friends).
//
// CreateStreamOnHGlobal takes and gives an HGLOBAL, so these exist with Windows' names and flags:
// an HGLOBAL is a movable block whose bytes GlobalLock returns. guise has no discardable memory and
// no lock counts that matter (a block never moves while locked), but GlobalSize, GlobalReAlloc and
// the GMEM_ZEROINIT flag behave as on Windows. Failure: NULL with GetLastError-free semantics (the
// caller checks the result). Thread-safety: distinct blocks may be used from any thread; one block
// is the caller's to synchronise.
#pragma once

#include "guise/wtypes.h"

using HGLOBAL = void*;
using HLOCAL = void*;

#define GMEM_FIXED 0x0000u
#define GMEM_MOVEABLE 0x0002u
#define GMEM_NODISCARD 0x0020u
#define GMEM_ZEROINIT 0x0040u
#define GMEM_SHARE 0x2000u
#define GHND (GMEM_MOVEABLE | GMEM_ZEROINIT)
#define GPTR (GMEM_FIXED | GMEM_ZEROINIT)

extern "C" {
HGLOBAL GlobalAlloc(UINT uFlags, SIZE_T dwBytes);
HGLOBAL GlobalReAlloc(HGLOBAL hMem, SIZE_T dwBytes, UINT uFlags);
SIZE_T GlobalSize(HGLOBAL hMem);
LPVOID GlobalLock(HGLOBAL hMem);
BOOL GlobalUnlock(HGLOBAL hMem);
// NULL on success (Windows' convention), the handle on failure.
HGLOBAL GlobalFree(HGLOBAL hMem);
}
