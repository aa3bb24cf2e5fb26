// rpcdce.h: the RPC security constants and types COM's security calls take — authentication services
// and levels, impersonation levels, authorization services, and the explicit credential structure
// (SEC_WINNT_AUTH_IDENTITY_W) a client may hand to CoSetProxyBlanket or CoInitializeSecurity.
//
// Values are Windows' own (spec/com-call-security.md §2), so code comparing them compiles and behaves
// unchanged. What each means on Linux: docs/call-security.md. Declarations only.
#pragma once

#include "guise/wtypes.h"

// Authentication services (RPC_C_AUTHN_*). Local (ncalrpc) calls are kernel-attested and report
// RPC_C_AUTHN_WINNT, as Windows' ncalrpc does.
#define RPC_C_AUTHN_NONE 0
#define RPC_C_AUTHN_DCE_PRIVATE 1
#define RPC_C_AUTHN_DCE_PUBLIC 2
#define RPC_C_AUTHN_DEC_PUBLIC 4
#define RPC_C_AUTHN_GSS_NEGOTIATE 9
#define RPC_C_AUTHN_WINNT 10
#define RPC_C_AUTHN_GSS_SCHANNEL 14
#define RPC_C_AUTHN_GSS_KERBEROS 16
#define RPC_C_AUTHN_DPA 17
#define RPC_C_AUTHN_MSN 18
#define RPC_C_AUTHN_DIGEST 21
#define RPC_C_AUTHN_KERNEL 20
#define RPC_C_AUTHN_NEGO_EXTENDER 30
#define RPC_C_AUTHN_PKU2U 31
#define RPC_C_AUTHN_MQ 100
#define RPC_C_AUTHN_DEFAULT 0xFFFFFFFFL

// Authorization services (RPC_C_AUTHZ_*): WINNT and Kerberos use only AUTHZ_NONE.
#define RPC_C_AUTHZ_NONE 0
#define RPC_C_AUTHZ_NAME 1
#define RPC_C_AUTHZ_DCE 2
#define RPC_C_AUTHZ_DEFAULT 0xFFFFFFFF

// Authentication levels, ordered: each includes the protection of the lower ones.
#define RPC_C_AUTHN_LEVEL_DEFAULT 0
#define RPC_C_AUTHN_LEVEL_NONE 1
#define RPC_C_AUTHN_LEVEL_CONNECT 2
#define RPC_C_AUTHN_LEVEL_CALL 3
#define RPC_C_AUTHN_LEVEL_PKT 4
#define RPC_C_AUTHN_LEVEL_PKT_INTEGRITY 5
#define RPC_C_AUTHN_LEVEL_PKT_PRIVACY 6

// Impersonation levels the client grants the server.
#define RPC_C_IMP_LEVEL_DEFAULT 0
#define RPC_C_IMP_LEVEL_ANONYMOUS 1
#define RPC_C_IMP_LEVEL_IDENTIFY 2
#define RPC_C_IMP_LEVEL_IMPERSONATE 3
#define RPC_C_IMP_LEVEL_DELEGATE 4

// The server's view of the client (CoQueryClientBlanket's pPrivs: a string naming the client) and a
// client's explicit credentials (a SEC_WINNT_AUTH_IDENTITY_W*).
using RPC_AUTHZ_HANDLE = void*;
using RPC_AUTH_IDENTITY_HANDLE = void*;

#define SEC_WINNT_AUTH_IDENTITY_ANSI 0x1
#define SEC_WINNT_AUTH_IDENTITY_UNICODE 0x2

struct SEC_WINNT_AUTH_IDENTITY_W {
  USHORT* User;
  ULONG UserLength;
  USHORT* Domain;
  ULONG DomainLength;
  USHORT* Password;
  ULONG PasswordLength;
  ULONG Flags;
};
using PSEC_WINNT_AUTH_IDENTITY_W = SEC_WINNT_AUTH_IDENTITY_W*;
struct SEC_WINNT_AUTH_IDENTITY_A {
  unsigned char* User;
  ULONG UserLength;
  unsigned char* Domain;
  ULONG DomainLength;
  unsigned char* Password;
  ULONG PasswordLength;
  ULONG Flags;
};
using SEC_WINNT_AUTH_IDENTITY = SEC_WINNT_AUTH_IDENTITY_W;
