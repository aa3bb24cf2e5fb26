// oleauto.h: BSTR allocation with Windows' layout and semantics.
//
// A BSTR points at UTF-16 text that is followed by a NUL and preceded by a 32-bit length in bytes
// (excluding the NUL); it may contain embedded NULs. A NULL BSTR is the empty string: SysStringLen(NULL)
// is 0 and SysFreeString(NULL) does nothing. The functions are thread-safe; a given BSTR is not.
#pragma once

#include "guise/wtypes.h"

extern "C" {
// Copies psz up to its NUL. NULL in → NULL out. Out of memory → NULL.
BSTR SysAllocString(const OLECHAR* psz);
// Copies ui characters of strIn (which may hold NULs); strIn == NULL gives ui uninitialised characters.
BSTR SysAllocStringLen(const OLECHAR* strIn, UINT ui);
// Allocates len bytes (a BSTR holding bytes, not characters); psz may be NULL.
BSTR SysAllocStringByteLen(LPCSTR psz, UINT len);
// Replaces *pbstr with a copy of psz; returns FALSE when out of memory (and leaves *pbstr as it was).
INT SysReAllocString(BSTR* pbstr, const OLECHAR* psz);
INT SysReAllocStringLen(BSTR* pbstr, const OLECHAR* psz, UINT len);
void SysFreeString(BSTR bstrString);
UINT SysStringLen(BSTR pbstr);
UINT SysStringByteLen(BSTR bstr);
}
