// winbase.h: the memory allocators Win32 and COM hand buffers out with.
//
// Local memory: ConvertStringSecurityDescriptorToSecurityDescriptorW, ConvertSidToStringSidW and
// friends return buffers the caller frees with LocalFree, as on Windows. Only fixed local memory
// exists: LocalAlloc returns the block's address (the HLOCAL is the pointer), so LocalLock/LocalUnlock
// are not needed and LMEM_MOVEABLE fails with ERROR_NOT_SUPPORTED.
//
// Global memory: CreateStreamOnHGlobal takes and gives an HGLOBAL, so GlobalAlloc and friends exist
// with Windows' names and flags: an HGLOBAL is a movable block whose bytes GlobalLock returns. guise
// has no discardable memory and no lock counts that matter (a block never moves while locked), but
// GlobalSize, GlobalReAlloc and GMEM_ZEROINIT behave as on Windows; failure is NULL.
//
// Thread-safety: every function may be called from any thread; a block may be freed on another thread
// than the one that allocated it; one block's contents are the caller's to synchronise.
#pragma once

#include "guise/wtypes.h"

using HLOCAL = HANDLE;
using HGLOBAL = HANDLE;

#define LMEM_FIXED 0x0000u
#define LMEM_MOVEABLE 0x0002u
#define LMEM_ZEROINIT 0x0040u
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)

#define GMEM_FIXED 0x0000u
#define GMEM_MOVEABLE 0x0002u
#define GMEM_NODISCARD 0x0020u
#define GMEM_ZEROINIT 0x0040u
#define GMEM_SHARE 0x2000u
#define GHND (GMEM_MOVEABLE | GMEM_ZEROINIT)
#define GPTR (GMEM_FIXED | GMEM_ZEROINIT)

extern "C" {
// A block of uBytes (zeroed with LMEM_ZEROINIT); NULL with GetLastError() == ERROR_NOT_ENOUGH_MEMORY.
HLOCAL WINAPI LocalAlloc(UINT uFlags, SIZE_T uBytes);
// Frees a block from LocalAlloc or from a function documented to return LocalAlloc'd memory; NULL
// does nothing. Returns NULL.
HLOCAL WINAPI LocalFree(HLOCAL hMem);

HGLOBAL WINAPI GlobalAlloc(UINT uFlags, SIZE_T dwBytes);
HGLOBAL WINAPI GlobalReAlloc(HGLOBAL hMem, SIZE_T dwBytes, UINT uFlags);
SIZE_T WINAPI GlobalSize(HGLOBAL hMem);
LPVOID WINAPI GlobalLock(HGLOBAL hMem);
BOOL WINAPI GlobalUnlock(HGLOBAL hMem);
// NULL on success (Windows' convention), the handle on failure.
HGLOBAL WINAPI GlobalFree(HGLOBAL hMem);
}
