// winnt.h: the security types a COM server writes — SIDs, ACLs and ACEs, security descriptors, access
// masks, tokens — with Windows' names, values and memory layout.
//
// The binary structures are exactly MS-DTYP's: SID (2.4.2.2: revision, sub-authority count, a 48-bit
// big-endian authority, little-endian 32-bit sub-authorities), ACL (2.4.5) and ACE (2.4.4) headers, and
// the security descriptor (2.4.6) in both forms: absolute (SECURITY_DESCRIPTOR, pointers) and
// self-relative (SECURITY_DESCRIPTOR_RELATIVE, offsets from its start, SE_SELF_RELATIVE set). A
// self-relative descriptor is one contiguous block that can be stored or sent; PSECURITY_DESCRIPTOR
// points at either form and the Control word says which. The functions that work on them are in
// securitybaseapi.h and sddl.h. Plain types and constants: nothing to synchronise.
#pragma once

#include "guise/wtypes.h"

#define ANYSIZE_ARRAY 1

using PVOID = void*;
using PBYTE = BYTE*;
using PUCHAR = UCHAR*;
using PWORD = WORD*;
using PDWORD = DWORD*;
using PULONG = ULONG*;
using PBOOL = BOOL*;
using LPBOOL = BOOL*;

// ---- access masks -------------------------------------------------------------------------------
using ACCESS_MASK = DWORD;
using PACCESS_MASK = ACCESS_MASK*;

#define DELETE 0x00010000u
#define READ_CONTROL 0x00020000u
#define WRITE_DAC 0x00040000u
#define WRITE_OWNER 0x00080000u
#define SYNCHRONIZE 0x00100000u
#define STANDARD_RIGHTS_REQUIRED 0x000F0000u
#define STANDARD_RIGHTS_READ READ_CONTROL
#define STANDARD_RIGHTS_WRITE READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE READ_CONTROL
#define STANDARD_RIGHTS_ALL 0x001F0000u
#define SPECIFIC_RIGHTS_ALL 0x0000FFFFu
// Granted only through a privilege (SeSecurityPrivilege), never by a DACL. guise tokens hold no
// privileges, so AccessCheck never grants it.
#define ACCESS_SYSTEM_SECURITY 0x01000000u
#define MAXIMUM_ALLOWED 0x02000000u
#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define GENERIC_EXECUTE 0x20000000u
#define GENERIC_ALL 0x10000000u

// What each generic right means for a kind of object (see MapGenericMask).
struct GENERIC_MAPPING {
  ACCESS_MASK GenericRead;
  ACCESS_MASK GenericWrite;
  ACCESS_MASK GenericExecute;
  ACCESS_MASK GenericAll;
};
using PGENERIC_MAPPING = GENERIC_MAPPING*;

// ---- SIDs (MS-DTYP 2.4.2.2) -----------------------------------------------------------------------
#define SID_REVISION 1
#define SID_MAX_SUB_AUTHORITIES 15
#define SID_RECOMMENDED_SUB_AUTHORITIES 1
#define SECURITY_MAX_SID_SIZE (8 + 4 * SID_MAX_SUB_AUTHORITIES)

// The 48-bit identifier authority, most significant byte first.
struct SID_IDENTIFIER_AUTHORITY {
  BYTE Value[6];
};
using PSID_IDENTIFIER_AUTHORITY = SID_IDENTIFIER_AUTHORITY*;

struct SID {
  BYTE Revision;
  BYTE SubAuthorityCount;
  SID_IDENTIFIER_AUTHORITY IdentifierAuthority;
  DWORD SubAuthority[ANYSIZE_ARRAY];
};
// As on Windows, a PSID is untyped: SIDs have variable length.
using PSID = PVOID;

struct SID_AND_ATTRIBUTES {
  PSID Sid;
  DWORD Attributes;
};
using PSID_AND_ATTRIBUTES = SID_AND_ATTRIBUTES*;

#define SECURITY_NULL_SID_AUTHORITY {0, 0, 0, 0, 0, 0}
#define SECURITY_WORLD_SID_AUTHORITY {0, 0, 0, 0, 0, 1}
#define SECURITY_LOCAL_SID_AUTHORITY {0, 0, 0, 0, 0, 2}
#define SECURITY_CREATOR_SID_AUTHORITY {0, 0, 0, 0, 0, 3}
#define SECURITY_NT_AUTHORITY {0, 0, 0, 0, 0, 5}
#define SECURITY_MANDATORY_LABEL_AUTHORITY {0, 0, 0, 0, 0, 16}

#define SECURITY_NULL_RID 0x00000000u
#define SECURITY_WORLD_RID 0x00000000u
#define SECURITY_LOCAL_RID 0x00000000u
#define SECURITY_CREATOR_OWNER_RID 0x00000000u
#define SECURITY_CREATOR_GROUP_RID 0x00000001u
#define SECURITY_CREATOR_OWNER_RIGHTS_RID 0x00000004u
#define SECURITY_NETWORK_RID 0x00000002u
#define SECURITY_INTERACTIVE_RID 0x00000004u
#define SECURITY_ANONYMOUS_LOGON_RID 0x00000007u
#define SECURITY_PRINCIPAL_SELF_RID 0x0000000Au
#define SECURITY_AUTHENTICATED_USER_RID 0x0000000Bu
#define SECURITY_LOCAL_SYSTEM_RID 0x00000012u
#define SECURITY_LOCAL_SERVICE_RID 0x00000013u
#define SECURITY_NETWORK_SERVICE_RID 0x00000014u
#define SECURITY_BUILTIN_DOMAIN_RID 0x00000020u
#define DOMAIN_ALIAS_RID_ADMINS 0x00000220u
#define DOMAIN_ALIAS_RID_USERS 0x00000221u
#define DOMAIN_ALIAS_RID_GUESTS 0x00000222u
#define SECURITY_MANDATORY_UNTRUSTED_RID 0x00000000u
#define SECURITY_MANDATORY_LOW_RID 0x00001000u
#define SECURITY_MANDATORY_MEDIUM_RID 0x00002000u
#define SECURITY_MANDATORY_HIGH_RID 0x00003000u
#define SECURITY_MANDATORY_SYSTEM_RID 0x00004000u

// ---- ACLs and ACEs (MS-DTYP 2.4.5, 2.4.4) ----------------------------------------------------------
#define ACL_REVISION 2
#define ACL_REVISION_DS 4
#define ACL_REVISION1 1
#define MIN_ACL_REVISION 2
#define ACL_REVISION2 2
#define ACL_REVISION3 3
#define ACL_REVISION4 4
#define MAX_ACL_REVISION 4

// The ACL header; AceCount ACEs follow it, AclSize bytes in all (header included).
struct ACL {
  BYTE AclRevision;
  BYTE Sbz1;
  WORD AclSize;
  WORD AceCount;
  WORD Sbz2;
};
using PACL = ACL*;

#define ACCESS_MIN_MS_ACE_TYPE 0x0
#define ACCESS_ALLOWED_ACE_TYPE 0x0
#define ACCESS_DENIED_ACE_TYPE 0x1
#define SYSTEM_AUDIT_ACE_TYPE 0x2
#define SYSTEM_ALARM_ACE_TYPE 0x3
#define ACCESS_MAX_MS_V2_ACE_TYPE 0x3
#define ACCESS_ALLOWED_COMPOUND_ACE_TYPE 0x4
#define ACCESS_ALLOWED_OBJECT_ACE_TYPE 0x5
#define ACCESS_DENIED_OBJECT_ACE_TYPE 0x6
#define SYSTEM_AUDIT_OBJECT_ACE_TYPE 0x7
#define SYSTEM_ALARM_OBJECT_ACE_TYPE 0x8
#define ACCESS_ALLOWED_CALLBACK_ACE_TYPE 0x9
#define ACCESS_DENIED_CALLBACK_ACE_TYPE 0xA
#define ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE 0xB
#define ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE 0xC
#define SYSTEM_AUDIT_CALLBACK_ACE_TYPE 0xD
#define SYSTEM_ALARM_CALLBACK_ACE_TYPE 0xE
#define SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE 0xF
#define SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE 0x10
#define SYSTEM_MANDATORY_LABEL_ACE_TYPE 0x11
#define SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE 0x12
#define SYSTEM_SCOPED_POLICY_ID_ACE_TYPE 0x13
#define SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE 0x14
#define SYSTEM_ACCESS_FILTER_ACE_TYPE 0x15

#define OBJECT_INHERIT_ACE 0x01
#define CONTAINER_INHERIT_ACE 0x02
#define NO_PROPAGATE_INHERIT_ACE 0x04
#define INHERIT_ONLY_ACE 0x08
#define INHERITED_ACE 0x10
#define VALID_INHERIT_FLAGS 0x1F
#define SUCCESSFUL_ACCESS_ACE_FLAG 0x40
#define FAILED_ACCESS_ACE_FLAG 0x80

#define ACE_OBJECT_TYPE_PRESENT 0x1
#define ACE_INHERITED_OBJECT_TYPE_PRESENT 0x2

struct ACE_HEADER {
  BYTE AceType;
  BYTE AceFlags;
  WORD AceSize;  // the whole ACE, a multiple of 4
};
using PACE_HEADER = ACE_HEADER*;

// The SID starts at SidStart and runs for GetLengthSid bytes.
struct ACCESS_ALLOWED_ACE {
  ACE_HEADER Header;
  ACCESS_MASK Mask;
  DWORD SidStart;
};
using PACCESS_ALLOWED_ACE = ACCESS_ALLOWED_ACE*;
struct ACCESS_DENIED_ACE {
  ACE_HEADER Header;
  ACCESS_MASK Mask;
  DWORD SidStart;
};
using PACCESS_DENIED_ACE = ACCESS_DENIED_ACE*;
struct SYSTEM_AUDIT_ACE {
  ACE_HEADER Header;
  ACCESS_MASK Mask;
  DWORD SidStart;
};
using PSYSTEM_AUDIT_ACE = SYSTEM_AUDIT_ACE*;
struct SYSTEM_MANDATORY_LABEL_ACE {
  ACE_HEADER Header;
  ACCESS_MASK Mask;
  DWORD SidStart;
};
using PSYSTEM_MANDATORY_LABEL_ACE = SYSTEM_MANDATORY_LABEL_ACE*;

// ---- security descriptors (MS-DTYP 2.4.6) ----------------------------------------------------------
#define SECURITY_DESCRIPTOR_REVISION 1
#define SECURITY_DESCRIPTOR_REVISION1 1

using SECURITY_DESCRIPTOR_CONTROL = WORD;
using PSECURITY_DESCRIPTOR_CONTROL = SECURITY_DESCRIPTOR_CONTROL*;

#define SE_OWNER_DEFAULTED 0x0001
#define SE_GROUP_DEFAULTED 0x0002
#define SE_DACL_PRESENT 0x0004
#define SE_DACL_DEFAULTED 0x0008
#define SE_SACL_PRESENT 0x0010
#define SE_SACL_DEFAULTED 0x0020
#define SE_DACL_UNTRUSTED 0x0040
#define SE_SERVER_SECURITY 0x0080
#define SE_DACL_AUTO_INHERIT_REQ 0x0100
#define SE_SACL_AUTO_INHERIT_REQ 0x0200
#define SE_DACL_AUTO_INHERITED 0x0400
#define SE_SACL_AUTO_INHERITED 0x0800
#define SE_DACL_PROTECTED 0x1000
#define SE_SACL_PROTECTED 0x2000
#define SE_RM_CONTROL_VALID 0x4000
#define SE_SELF_RELATIVE 0x8000

// Absolute form: the parts live wherever the pointers say (NULL: absent; a NULL Dacl with
// SE_DACL_PRESENT is a NULL DACL, which grants everyone everything).
struct SECURITY_DESCRIPTOR {
  BYTE Revision;
  BYTE Sbz1;
  SECURITY_DESCRIPTOR_CONTROL Control;
  PSID Owner;
  PSID Group;
  PACL Sacl;
  PACL Dacl;
};
using PISECURITY_DESCRIPTOR = SECURITY_DESCRIPTOR*;

// Self-relative form: offsets from the descriptor's first byte (0: absent), SE_SELF_RELATIVE set.
struct SECURITY_DESCRIPTOR_RELATIVE {
  BYTE Revision;
  BYTE Sbz1;
  SECURITY_DESCRIPTOR_CONTROL Control;
  DWORD Owner;
  DWORD Group;
  DWORD Sacl;
  DWORD Dacl;
};
using PISECURITY_DESCRIPTOR_RELATIVE = SECURITY_DESCRIPTOR_RELATIVE*;

// Either form.
using PSECURITY_DESCRIPTOR = PVOID;

#define SECURITY_DESCRIPTOR_MIN_LENGTH (sizeof(SECURITY_DESCRIPTOR))

using SECURITY_INFORMATION = DWORD;
using PSECURITY_INFORMATION = SECURITY_INFORMATION*;

#define OWNER_SECURITY_INFORMATION 0x00000001u
#define GROUP_SECURITY_INFORMATION 0x00000002u
#define DACL_SECURITY_INFORMATION 0x00000004u
#define SACL_SECURITY_INFORMATION 0x00000008u
#define LABEL_SECURITY_INFORMATION 0x00000010u
#define ATTRIBUTE_SECURITY_INFORMATION 0x00000020u
#define SCOPE_SECURITY_INFORMATION 0x00000040u
#define PROCESS_TRUST_LABEL_SECURITY_INFORMATION 0x00000080u
#define BACKUP_SECURITY_INFORMATION 0x00010000u
#define UNPROTECTED_SACL_SECURITY_INFORMATION 0x10000000u
#define UNPROTECTED_DACL_SECURITY_INFORMATION 0x20000000u
#define PROTECTED_SACL_SECURITY_INFORMATION 0x40000000u
#define PROTECTED_DACL_SECURITY_INFORMATION 0x80000000u

// ---- privileges --------------------------------------------------------------------------------
struct LUID {
  DWORD LowPart;
  LONG HighPart;
};
using PLUID = LUID*;

struct LUID_AND_ATTRIBUTES {
  LUID Luid;
  DWORD Attributes;
};
using PLUID_AND_ATTRIBUTES = LUID_AND_ATTRIBUTES*;

#define SE_PRIVILEGE_ENABLED_BY_DEFAULT 0x00000001u
#define SE_PRIVILEGE_ENABLED 0x00000002u
#define SE_PRIVILEGE_REMOVED 0x00000004u
#define SE_PRIVILEGE_USED_FOR_ACCESS 0x80000000u
#define PRIVILEGE_SET_ALL_NECESSARY 1

// What AccessCheck reports it used; guise tokens hold no privileges, so PrivilegeCount is always 0.
struct PRIVILEGE_SET {
  DWORD PrivilegeCount;
  DWORD Control;
  LUID_AND_ATTRIBUTES Privilege[ANYSIZE_ARRAY];
};
using PPRIVILEGE_SET = PRIVILEGE_SET*;

// ---- tokens --------------------------------------------------------------------------------------
#define TOKEN_ASSIGN_PRIMARY 0x0001u
#define TOKEN_DUPLICATE 0x0002u
#define TOKEN_IMPERSONATE 0x0004u
#define TOKEN_QUERY 0x0008u
#define TOKEN_QUERY_SOURCE 0x0010u
#define TOKEN_ADJUST_PRIVILEGES 0x0020u
#define TOKEN_ADJUST_GROUPS 0x0040u
#define TOKEN_ADJUST_DEFAULT 0x0080u
#define TOKEN_ADJUST_SESSIONID 0x0100u
#define TOKEN_ALL_ACCESS                                                                                   \
  (STANDARD_RIGHTS_REQUIRED | TOKEN_ASSIGN_PRIMARY | TOKEN_DUPLICATE | TOKEN_IMPERSONATE | TOKEN_QUERY | \
   TOKEN_QUERY_SOURCE | TOKEN_ADJUST_PRIVILEGES | TOKEN_ADJUST_GROUPS | TOKEN_ADJUST_DEFAULT |           \
   TOKEN_ADJUST_SESSIONID)
#define TOKEN_READ (STANDARD_RIGHTS_READ | TOKEN_QUERY)
#define TOKEN_WRITE (STANDARD_RIGHTS_WRITE | TOKEN_ADJUST_PRIVILEGES | TOKEN_ADJUST_GROUPS | TOKEN_ADJUST_DEFAULT)
#define TOKEN_EXECUTE (STANDARD_RIGHTS_EXECUTE)

enum TOKEN_TYPE { TokenPrimary = 1, TokenImpersonation };
using PTOKEN_TYPE = TOKEN_TYPE*;

// The token's level; one less than the matching RPC_C_IMP_LEVEL_* value.
enum SECURITY_IMPERSONATION_LEVEL {
  SecurityAnonymous,
  SecurityIdentification,
  SecurityImpersonation,
  SecurityDelegation
};
using PSECURITY_IMPERSONATION_LEVEL = SECURITY_IMPERSONATION_LEVEL*;

enum TOKEN_INFORMATION_CLASS {
  TokenUser = 1,
  TokenGroups,
  TokenPrivileges,
  TokenOwner,
  TokenPrimaryGroup,
  TokenDefaultDacl,
  TokenSource,
  TokenType,
  TokenImpersonationLevel,
  TokenStatistics,
  TokenRestrictedSids,
  TokenSessionId,
  TokenGroupsAndPrivileges,
  TokenSessionReference,
  TokenSandBoxInert,
  TokenAuditPolicy,
  TokenOrigin,
  TokenElevationType,
  TokenLinkedToken,
  TokenElevation,
  TokenHasRestrictions,
  TokenAccessInformation,
  TokenVirtualizationAllowed,
  TokenVirtualizationEnabled,
  TokenIntegrityLevel,
  TokenUIAccess,
  TokenMandatoryPolicy,
  TokenLogonSid,
  MaxTokenInfoClass
};
using PTOKEN_INFORMATION_CLASS = TOKEN_INFORMATION_CLASS*;

#define SE_GROUP_MANDATORY 0x00000001u
#define SE_GROUP_ENABLED_BY_DEFAULT 0x00000002u
#define SE_GROUP_ENABLED 0x00000004u
#define SE_GROUP_OWNER 0x00000008u
#define SE_GROUP_USE_FOR_DENY_ONLY 0x00000010u
#define SE_GROUP_INTEGRITY 0x00000020u
#define SE_GROUP_INTEGRITY_ENABLED 0x00000040u
#define SE_GROUP_RESOURCE 0x20000000u
#define SE_GROUP_LOGON_ID 0xC0000000u

struct TOKEN_USER {
  SID_AND_ATTRIBUTES User;
};
using PTOKEN_USER = TOKEN_USER*;

struct TOKEN_GROUPS {
  DWORD GroupCount;
  SID_AND_ATTRIBUTES Groups[ANYSIZE_ARRAY];
};
using PTOKEN_GROUPS = TOKEN_GROUPS*;

struct TOKEN_OWNER {
  PSID Owner;
};
using PTOKEN_OWNER = TOKEN_OWNER*;

struct TOKEN_PRIMARY_GROUP {
  PSID PrimaryGroup;
};
using PTOKEN_PRIMARY_GROUP = TOKEN_PRIMARY_GROUP*;

struct TOKEN_PRIVILEGES {
  DWORD PrivilegeCount;
  LUID_AND_ATTRIBUTES Privileges[ANYSIZE_ARRAY];
};
using PTOKEN_PRIVILEGES = TOKEN_PRIVILEGES*;
