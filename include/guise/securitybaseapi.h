// securitybaseapi.h: the Win32 security functions a COM server uses — security descriptors, ACLs,
// SIDs, token queries, duplication and AccessCheck — with Windows' names, signatures, BOOL returns and
// GetLastError codes.
//
// Descriptors are MS-DTYP binary structures (winnt.h) in absolute or self-relative form; functions
// that read one validate it first and refuse a malformed one (ERROR_INVALID_SECURITY_DESCR,
// ERROR_INVALID_ACL, ERROR_INVALID_SID) instead of acting on part of it. A pointer argument carries no
// length, as on Windows: a function reads only what the structure's own headers declare (a self-relative
// descriptor's offsets are followed no further than 131,228 bytes, the largest valid descriptor).
// Tokens come from OpenThreadToken / OpenProcessToken (processthreadsapi.h) and DuplicateToken; they
// are HANDLEs, closed with CloseHandle. guise tokens hold no privileges. NULL output pointers fail
// with ERROR_NOACCESS (token and AccessCheck calls, as Windows reports them) or ERROR_INVALID_PARAMETER.
// Thread-safety: every function may be called from any thread; a descriptor or ACL that one thread
// changes must not be read by another at the same time (as on Windows).
#pragma once

#include "guise/winnt.h"
#include "guise/wtypes.h"

extern "C" {

// ---- security descriptors ---------------------------------------------------------------------
// An empty absolute descriptor (no owner, group, DACL or SACL) in SECURITY_DESCRIPTOR_MIN_LENGTH bytes.
// ERROR_UNKNOWN_REVISION unless dwRevision is SECURITY_DESCRIPTOR_REVISION.
BOOL WINAPI InitializeSecurityDescriptor(PSECURITY_DESCRIPTOR pSecurityDescriptor, DWORD dwRevision);
// Whether the descriptor (either form) and every SID and ACL in it are structurally valid.
BOOL WINAPI IsValidSecurityDescriptor(PSECURITY_DESCRIPTOR pSecurityDescriptor);
// The header plus each part (DWORD-aligned): the size of the self-relative form of a self-relative
// descriptor. 0 for an invalid descriptor.
DWORD WINAPI GetSecurityDescriptorLength(PSECURITY_DESCRIPTOR pSecurityDescriptor);
BOOL WINAPI GetSecurityDescriptorControl(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                         PSECURITY_DESCRIPTOR_CONTROL pControl, LPDWORD lpdwRevision);
// The getters work on both forms (a self-relative descriptor's parts are pointers into it); *pOwner
// etc. is NULL when the part is absent. *lpbDaclPresent FALSE: no DACL; TRUE with *pDacl NULL: a NULL
// DACL.
BOOL WINAPI GetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID* pOwner,
                                       LPBOOL lpbOwnerDefaulted);
BOOL WINAPI GetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID* pGroup,
                                       LPBOOL lpbGroupDefaulted);
BOOL WINAPI GetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, LPBOOL lpbDaclPresent, PACL* pDacl,
                                      LPBOOL lpbDaclDefaulted);
BOOL WINAPI GetSecurityDescriptorSacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, LPBOOL lpbSaclPresent, PACL* pSacl,
                                      LPBOOL lpbSaclDefaulted);
// The setters store the pointers (nothing is copied) and work on absolute descriptors only:
// ERROR_INVALID_SECURITY_DESCR for a self-relative one.
BOOL WINAPI SetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID pOwner, BOOL bOwnerDefaulted);
BOOL WINAPI SetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID pGroup, BOOL bGroupDefaulted);
BOOL WINAPI SetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, BOOL bDaclPresent, PACL pDacl,
                                      BOOL bDaclDefaulted);
BOOL WINAPI SetSecurityDescriptorSacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, BOOL bSaclPresent, PACL pSacl,
                                      BOOL bSaclDefaulted);
// Self-relative → absolute, into the caller's five buffers. If any is too small, every size variable
// receives its required size and the call fails with ERROR_INSUFFICIENT_BUFFER. An absolute input
// fails with ERROR_BAD_DESCRIPTOR_FORMAT.
BOOL WINAPI MakeAbsoluteSD(PSECURITY_DESCRIPTOR pSelfRelativeSecurityDescriptor,
                           PSECURITY_DESCRIPTOR pAbsoluteSecurityDescriptor, LPDWORD lpdwAbsoluteSecurityDescriptorSize,
                           PACL pDacl, LPDWORD lpdwDaclSize, PACL pSacl, LPDWORD lpdwSaclSize, PSID pOwner,
                           LPDWORD lpdwOwnerSize, PSID pPrimaryGroup, LPDWORD lpdwPrimaryGroupSize);
// Absolute → self-relative (header, SACL, DACL, owner, group, as Windows lays it out).
// *lpdwBufferLength too small: receives the required size, ERROR_INSUFFICIENT_BUFFER. A self-relative
// input fails with ERROR_BAD_DESCRIPTOR_FORMAT.
BOOL WINAPI MakeSelfRelativeSD(PSECURITY_DESCRIPTOR pAbsoluteSecurityDescriptor,
                               PSECURITY_DESCRIPTOR pSelfRelativeSecurityDescriptor, LPDWORD lpdwBufferLength);

// ---- ACLs -------------------------------------------------------------------------------------
// An empty ACL of nAclLength bytes (8..65535; rounded down to a multiple of 4); revision 2..4.
BOOL WINAPI InitializeAcl(PACL pAcl, DWORD nAclLength, DWORD dwAclRevision);
BOOL WINAPI IsValidAcl(PACL pAcl);
// Appends an ACE; ERROR_ALLOTTED_SPACE_EXCEEDED when it does not fit in AclSize.
BOOL WINAPI AddAccessAllowedAce(PACL pAcl, DWORD dwAceRevision, DWORD AccessMask, PSID pSid);
BOOL WINAPI AddAccessAllowedAceEx(PACL pAcl, DWORD dwAceRevision, DWORD AceFlags, DWORD AccessMask, PSID pSid);
BOOL WINAPI AddAccessDeniedAce(PACL pAcl, DWORD dwAceRevision, DWORD AccessMask, PSID pSid);
BOOL WINAPI AddAccessDeniedAceEx(PACL pAcl, DWORD dwAceRevision, DWORD AceFlags, DWORD AccessMask, PSID pSid);
// *pAce points at the dwAceIndex'th ACE (an ACE_HEADER).
BOOL WINAPI GetAce(PACL pAcl, DWORD dwAceIndex, LPVOID* pAce);

// ---- SIDs -------------------------------------------------------------------------------------
BOOL WINAPI IsValidSid(PSID pSid);
// TRUE when both are valid and equal; FALSE with ERROR_SUCCESS when they differ, ERROR_INVALID_SID
// when one is invalid.
BOOL WINAPI EqualSid(PSID pSid1, PSID pSid2);
// 8 + 4 × SubAuthorityCount (of a valid SID; 0 otherwise).
DWORD WINAPI GetLengthSid(PSID pSid);
BOOL WINAPI CopySid(DWORD nDestinationSidLength, PSID pDestinationSid, PSID pSourceSid);
DWORD WINAPI GetSidLengthRequired(UCHAR nSubAuthorityCount);
// Revision 1, the authority and the count; the sub-authorities are then set through GetSidSubAuthority.
BOOL WINAPI InitializeSid(PSID Sid, PSID_IDENTIFIER_AUTHORITY pIdentifierAuthority, BYTE nSubAuthorityCount);
// A SID of up to 8 sub-authorities, freed with FreeSid.
BOOL WINAPI AllocateAndInitializeSid(PSID_IDENTIFIER_AUTHORITY pIdentifierAuthority, BYTE nSubAuthorityCount,
                                     DWORD nSubAuthority0, DWORD nSubAuthority1, DWORD nSubAuthority2,
                                     DWORD nSubAuthority3, DWORD nSubAuthority4, DWORD nSubAuthority5,
                                     DWORD nSubAuthority6, DWORD nSubAuthority7, PSID* pSid);
// Returns NULL.
PVOID WINAPI FreeSid(PSID pSid);
PSID_IDENTIFIER_AUTHORITY WINAPI GetSidIdentifierAuthority(PSID pSid);
// Pointers into the SID: the count, and sub-authority nSubAuthority. NULL (with ERROR_INVALID_SID or
// ERROR_INVALID_PARAMETER) for an invalid SID or an index past the count; success sets ERROR_SUCCESS.
PUCHAR WINAPI GetSidSubAuthorityCount(PSID pSid);
PDWORD WINAPI GetSidSubAuthority(PSID pSid, DWORD nSubAuthority);

// ---- access checks ------------------------------------------------------------------------------
// Replaces the generic bits of *AccessMask by what GenericMapping says they mean.
void WINAPI MapGenericMask(PDWORD AccessMask, PGENERIC_MAPPING GenericMapping);
// Whether the descriptor grants DesiredAccess (already mapped: generic bits fail with
// ERROR_GENERIC_NOT_MAPPED; MAXIMUM_ALLOWED asks for everything grantable) to ClientToken, which must be
// an impersonation token (ERROR_NO_IMPERSONATION_TOKEN for a primary one) opened with TOKEN_QUERY, at
// identify level or above (ERROR_BAD_IMPERSONATION_LEVEL at anonymous). The descriptor needs an owner
// and a group (ERROR_INVALID_SECURITY_DESCR). *PrivilegeSetLength below sizeof(PRIVILEGE_SET): it
// receives that size, ERROR_INSUFFICIENT_BUFFER. When the check ran the function returns TRUE and
// *AccessStatus says the result: FALSE with *GrantedAccess 0 and GetLastError() ERROR_ACCESS_DENIED,
// or ERROR_PRIVILEGE_NOT_HELD when ACCESS_SYSTEM_SECURITY was asked for (a privilege no guise token
// holds; a DACL never grants it).
BOOL WINAPI AccessCheck(PSECURITY_DESCRIPTOR pSecurityDescriptor, HANDLE ClientToken, DWORD DesiredAccess,
                        PGENERIC_MAPPING GenericMapping, PPRIVILEGE_SET PrivilegeSet, LPDWORD PrivilegeSetLength,
                        LPDWORD GrantedAccess, LPBOOL AccessStatus);

// ---- tokens ---------------------------------------------------------------------------------------
// Fills TokenInformation with TokenUser, TokenGroups, TokenPrivileges (none), TokenOwner,
// TokenPrimaryGroup, TokenType or TokenImpersonationLevel (impersonation tokens only:
// ERROR_INVALID_PARAMETER for a primary token). The handle needs TOKEN_QUERY (ERROR_ACCESS_DENIED).
// *ReturnLength receives the size needed; too small a buffer fails with ERROR_INSUFFICIENT_BUFFER and
// is left untouched. Other classes fail with ERROR_NOT_SUPPORTED (unknown ones ERROR_INVALID_PARAMETER).
BOOL WINAPI GetTokenInformation(HANDLE TokenHandle, TOKEN_INFORMATION_CLASS TokenInformationClass,
                                LPVOID TokenInformation, DWORD TokenInformationLength, PDWORD ReturnLength);
// A new impersonation token of the same identity at ImpersonationLevel (no higher than an
// impersonation token's own: ERROR_BAD_IMPERSONATION_LEVEL), with TOKEN_IMPERSONATE | TOKEN_QUERY
// access. The source handle needs TOKEN_DUPLICATE.
BOOL WINAPI DuplicateToken(HANDLE ExistingTokenHandle, SECURITY_IMPERSONATION_LEVEL ImpersonationLevel,
                           PHANDLE DuplicateTokenHandle);
}
