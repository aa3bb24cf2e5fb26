// guise/audit.h: the impersonation audit — which server threads took on which caller's identity, and when
// they gave it back (docs/call-security.md, "Audit").
//
// Each impersonation (taken or refused), each RevertToSelf and each automatic revert at the end of a call
// can be recorded with the process and thread, the caller (uid, gid, principal), the impersonation level,
// the ids the kernel applied, the interface (IID and version), the opnum and, for COM calls, the causality
// id. Under systemd (stderr is the journal stream named by $JOURNAL_STREAM) each record is a journal entry
// with GUISE_* fields (`journalctl GUISE_CALLER_UID=41001`); otherwise one guise log line carrying the same
// fields as NAME=value.
//
// Off by default; then each impersonation and revert pays one relaxed atomic load. The level comes from
// GUISE_AUDIT (off, impersonation, all), read once when the first RPC/COM server starts; set_audit_level
// overrides it at any time. Thread-safe.
#pragma once

#include <string_view>

namespace guise {

enum class AuditLevel : int {
  kOff = 0,
  // Impersonations taken or refused, and automatic reverts (a call that ended still impersonating).
  kImpersonation = 1,
  // Also every explicit revert (CoRevertToSelf, IServerSecurity::RevertToSelf, RpcRevertToSelf).
  kAll = 2,
};

void set_audit_level(AuditLevel level) noexcept;
// Parses "off", "impersonation", "all"; returns false (level unchanged) for anything else.
bool set_audit_level(std::string_view name) noexcept;
AuditLevel audit_level() noexcept;

}  // namespace guise
