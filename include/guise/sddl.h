// sddl.h: security descriptors and SIDs as text (Security Descriptor Definition Language), with
// Windows' names, signatures and error codes.
//
// ConvertStringSecurityDescriptorToSecurityDescriptorW turns "O:BAG:SYD:(A;;0x3;;;S-1-22-1-41001)" into
// a self-relative SECURITY_DESCRIPTOR (winnt.h) that CoInitializeSecurity, AccessCheck and the
// descriptor functions of securitybaseapi.h accept; ConvertSecurityDescriptorToStringSecurityDescriptorW
// writes one (absolute or self-relative) back as text. Every result is LocalAlloc'd: free it with
// LocalFree (winbase.h). SIDs are "S-1-..." or the two-letter aliases (WD, AU, AN, SY, BA, BU, ...);
// Linux users and groups are S-1-22-1-<uid> and S-1-22-2-<gid>. Supported: ACE types A, D (DACL), AU,
// ML (SACL); flags OI CI NP IO ID SA FA; rights as numbers or letters (GA, GR, RC, CC, ...). Object and
// conditional ACEs fail with ERROR_INVALID_PARAMETER (guise cannot evaluate them, and never drops an
// ACE silently). Output writes rights as hex numbers, which Windows parses too.
//
// Errors (GetLastError): ERROR_INVALID_PARAMETER (NULL pointers, malformed text), ERROR_UNKNOWN_REVISION
// (revision other than SDDL_REVISION_1), ERROR_NONE_MAPPED (an unknown SID alias), ERROR_INVALID_SID,
// ERROR_INVALID_SECURITY_DESCR, ERROR_NOT_ENOUGH_MEMORY. Thread-safety: every function may be called
// from any thread.
#pragma once

#include "guise/winbase.h"
#include "guise/winnt.h"
#include "guise/wtypes.h"

#define SDDL_REVISION_1 1
#define SDDL_REVISION SDDL_REVISION_1

extern "C" {
// *SecurityDescriptor receives a self-relative descriptor (LocalFree it); *SecurityDescriptorSize, if
// the pointer is not NULL, its size in bytes. "D:" makes an empty DACL (grants nothing);
// "D:NO_ACCESS_CONTROL" a NULL DACL (grants everything); no "D:" at all, no DACL (grants everything).
BOOL WINAPI ConvertStringSecurityDescriptorToSecurityDescriptorW(LPCWSTR StringSecurityDescriptor,
                                                                 DWORD StringSDRevision,
                                                                 PSECURITY_DESCRIPTOR* SecurityDescriptor,
                                                                 PULONG SecurityDescriptorSize);
BOOL WINAPI ConvertStringSecurityDescriptorToSecurityDescriptorA(LPCSTR StringSecurityDescriptor,
                                                                 DWORD StringSDRevision,
                                                                 PSECURITY_DESCRIPTOR* SecurityDescriptor,
                                                                 PULONG SecurityDescriptorSize);
// Writes the parts SecurityInformation selects (OWNER_, GROUP_, DACL_, SACL_, LABEL_SECURITY_INFORMATION)
// in the order O: G: D: S:. *StringSecurityDescriptorLen, if not NULL, receives the buffer's size in
// characters, terminating NUL included. BACKUP_SECURITY_INFORMATION yields TRUE and a NULL string.
BOOL WINAPI ConvertSecurityDescriptorToStringSecurityDescriptorW(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                                 DWORD RequestedStringSDRevision,
                                                                 SECURITY_INFORMATION SecurityInformation,
                                                                 LPWSTR* StringSecurityDescriptor,
                                                                 PULONG StringSecurityDescriptorLen);
BOOL WINAPI ConvertSecurityDescriptorToStringSecurityDescriptorA(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                                 DWORD RequestedStringSDRevision,
                                                                 SECURITY_INFORMATION SecurityInformation,
                                                                 LPSTR* StringSecurityDescriptor,
                                                                 PULONG StringSecurityDescriptorLen);
// "S-1-22-1-41001" (LocalFree it); ERROR_INVALID_SID for a malformed SID.
BOOL WINAPI ConvertSidToStringSidW(PSID Sid, LPWSTR* StringSid);
BOOL WINAPI ConvertSidToStringSidA(PSID Sid, LPSTR* StringSid);
// "S-1-..." or an alias ("BA") to a binary SID (LocalFree it); ERROR_INVALID_SID for malformed text.
BOOL WINAPI ConvertStringSidToSidW(LPCWSTR StringSid, PSID* Sid);
BOOL WINAPI ConvertStringSidToSidA(LPCSTR StringSid, PSID* Sid);
}

// guise's text is UTF-16 (WCHAR), so the generic names are the W functions, as under UNICODE.
#define ConvertStringSecurityDescriptorToSecurityDescriptor ConvertStringSecurityDescriptorToSecurityDescriptorW
#define ConvertSecurityDescriptorToStringSecurityDescriptor ConvertSecurityDescriptorToStringSecurityDescriptorW
#define ConvertSidToStringSid ConvertSidToStringSidW
#define ConvertStringSidToSid ConvertStringSidToSidW
