// winbase.h: local memory, the allocator Win32 security functions hand their results out with.
//
// ConvertStringSecurityDescriptorToSecurityDescriptorW, ConvertSidToStringSidW and friends return
// buffers the caller frees with LocalFree, as on Windows. Only fixed memory exists: LocalAlloc returns
// the block's address (the HLOCAL is the pointer), so LocalLock/LocalUnlock are not needed and
// LMEM_MOVEABLE fails with ERROR_NOT_SUPPORTED. Thread-safety: both functions may be called from any
// thread; a block may be freed on another thread than the one that allocated it.
#pragma once

#include "guise/wtypes.h"

using HLOCAL = HANDLE;

#define LMEM_FIXED 0x0000u
#define LMEM_MOVEABLE 0x0002u
#define LMEM_ZEROINIT 0x0040u
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)

extern "C" {
// A block of uBytes (zeroed with LMEM_ZEROINIT); NULL with GetLastError() == ERROR_NOT_ENOUGH_MEMORY.
HLOCAL WINAPI LocalAlloc(UINT uFlags, SIZE_T uBytes);
// Frees a block from LocalAlloc or from a function documented to return LocalAlloc'd memory; NULL
// does nothing. Returns NULL.
HLOCAL WINAPI LocalFree(HLOCAL hMem);
}
