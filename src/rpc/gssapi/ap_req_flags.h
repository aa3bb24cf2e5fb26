// ap_req_flags.h: the GSSAPI flags a Kerberos AP-REQ's authenticator carries, read with the service's
// keys before MIT's acceptor sees the token — to know how MIT must be handed it.
//
// MIT's acceptor takes a DCE-style AP-REQ only raw and any other only in GSS-API framing (RFC 4121
// §4.1). Peers frame DCE-style ones anyway (impacket), so a framed AP-REQ used to be unframed always;
// but guise's own initiator sends a framed RFC 4121 AP-REQ when it delegates (MIT cannot carry a
// delegated credential in DCE style: docs/call-security.md, "Delegation"). Which of the two a framed
// AP-REQ is, only its encrypted authenticator says (the 0x8003 checksum's flags, RFC 4121 §4.1.1).
// This decrypts it without a replay cache and keeps nothing: MIT's acceptor then checks the token in
// full, replay included. nullopt when it cannot be read (no key, not a 0x8003 checksum, malformed).
// Thread-safety: reentrant (a krb5 context per call).
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace guise::rpc::gssapi {

// `ap_req`: a raw AP-REQ ([APPLICATION 14]); `keytab`: "" → krb5's default keytab.
std::optional<OM_uint32> authenticator_gss_flags(std::span<const std::byte> ap_req, const std::string& keytab);

// The first Kerberos token of a context as MIT's acceptor takes it: a framed AP-REQ is unframed unless
// its authenticator says it is not DCE style; a raw one, or anything else, is returned as is (MIT then
// judges it). The result points into `token`.
std::span<const std::byte> first_token_for_mit(std::span<const std::byte> token, const std::string& keytab);

}  // namespace guise::rpc::gssapi
