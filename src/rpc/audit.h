// audit.h: recording impersonations and reverts of server calls (include/guise/audit.h is the public
// switch; docs/call-security.md, "Audit").
//
// ServerCall calls record() where it impersonates, reverts, refuses an impersonation or reverts at the
// end of a call; it is the lowest place that still knows the call, so plain RPC servers and COM servers
// are audited alike (COM tells the ServerCall its causality id). wanted() is the whole cost of a
// disabled audit: one relaxed atomic load. record() sends a journal entry when stderr is the journal
// stream ($JOURNAL_STREAM), else writes one log line; a journal that refuses the entry gets the line.
// Thread-safe; record() never throws.
#pragma once

#include <atomic>
#include <optional>

#include "base/status.h"
#include "guise/audit.h"
#include "guise/guiddef.h"

namespace guise::rpc {

struct CallAttributes;

namespace audit {

enum class Event {
  kImpersonate,         // level impersonation
  kImpersonateRefused,  // level impersonation
  kAutoRevert,          // level impersonation: the call ended while impersonating
  kRevert,              // level all
};

namespace detail {
extern std::atomic<int> g_level;
}

inline bool wanted(Event event) noexcept {
  const int level = detail::g_level.load(std::memory_order_relaxed);
  return level >= (event == Event::kRevert ? static_cast<int>(AuditLevel::kAll)
                                           : static_cast<int>(AuditLevel::kImpersonation));
}

// Reads GUISE_AUDIT and decides journal or log line, once per process; later calls do nothing, and
// neither does it after set_audit_level. Called when a server starts.
void configure_from_environment() noexcept;

// `refusal`: why the kernel refused (kImpersonateRefused only).
void record(Event event, const CallAttributes& call, const std::optional<GUID>& causality,
            const Status* refusal = nullptr) noexcept;

}  // namespace audit
}  // namespace guise::rpc
