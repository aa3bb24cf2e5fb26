// wtypes.h: the Windows base types COM signatures are written in, with Windows' sizes.
//
// Windows is LLP64 and Linux LP64: LONG/ULONG/DWORD/HRESULT are 32-bit here exactly as on Windows
// (never C `long`), so structures and wire formats keep Windows' layout. OLECHAR and WCHAR are
// char16_t (UTF-16), as on Windows. Plain typedefs: no state, nothing to synchronise.
#pragma once

#include <cstddef>
#include <cstdint>

using BYTE = std::uint8_t;
using UCHAR = std::uint8_t;
using CHAR = char;
using WORD = std::uint16_t;
using USHORT = std::uint16_t;
using SHORT = std::int16_t;
using DWORD = std::uint32_t;
using UINT = unsigned int;
using INT = int;
using LONG = std::int32_t;
using ULONG = std::uint32_t;
using LONGLONG = std::int64_t;
using ULONGLONG = std::uint64_t;
using DWORDLONG = std::uint64_t;
using INT_PTR = std::intptr_t;
using UINT_PTR = std::uintptr_t;
using LONG_PTR = std::intptr_t;
using ULONG_PTR = std::uintptr_t;
using SIZE_T = std::size_t;
using BOOL = int;
using BOOLEAN = std::uint8_t;
using HRESULT = std::int32_t;
using SCODE = std::int32_t;
using LPVOID = void*;
using LPCVOID = const void*;
// A reference to a process-local kernel object (an event, later a token): see handleapi.h.
using HANDLE = void*;
using PHANDLE = HANDLE*;
using LPHANDLE = HANDLE*;
using LPDWORD = DWORD*;

using OLECHAR = char16_t;
using WCHAR = char16_t;
using LPOLESTR = OLECHAR*;
using LPCOLESTR = const OLECHAR*;
using LPWSTR = WCHAR*;
using LPCWSTR = const WCHAR*;
using LPSTR = char*;
using LPCSTR = const char*;
// A BSTR points at UTF-16 text preceded by a 32-bit byte length (see oleauto.h).
using BSTR = OLECHAR*;

// 100-nanosecond intervals since 1601-01-01 UTC, as two halves (MS-DTYP 2.3.3).
typedef struct _FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

// Calling-convention markers from Windows headers; the Linux ABI has one convention.
#define STDMETHODCALLTYPE
#define STDAPICALLTYPE
#define WINAPI
#define __RPC_FAR
#define __RPC_STUB
#define __RPC_USER
#define EXTERN_C extern "C"
#define STDAPI extern "C" HRESULT STDAPICALLTYPE
#define STDAPI_(type) extern "C" type STDAPICALLTYPE
#define WINOLEAPI STDAPI
#define WINOLEAPI_(type) STDAPI_(type)
