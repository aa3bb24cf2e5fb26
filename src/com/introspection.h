// introspection.h: what a process tells guisectl about itself when it allows it — the blanket and
// identity of a caller (WhoAmI), the interfaces it exports, and the ORPC calls running now
// (idl/introspection.idl, docs/guisectl.md).
//
// Off unless the environment holds GUISE_INTROSPECTION=1 when the runtime starts serving; off, the
// interface is not registered (a call gets the RPC layer's unknown-interface fault) and a dispatched
// call pays one load of a constant flag. On, the runtime registers IGuiseIntrospection on its COM
// endpoints and each ORPC call records itself (serving thread id, interface, method, caller, blanket)
// in a table of at most kMaxRecordedCalls entries for the call's duration; calls past the bound run
// unrecorded and are counted.
// Who may ask: WhoAmI answers every caller the process's access policy (CoInitializeSecurity) admits;
// ListObjects and ListCalls only an authenticated local caller whose kernel-attested uid is root or the
// process's own (ERROR_ACCESS_DENIED otherwise). Reports are bounded (kMaxReportedObjects rows).
// The server reports what it recorded; whether a serving thread impersonates now is for the client to
// read from /proc/<pid>/task/<tid>/status — the kernel's answer, not this process's claim.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "com/object_exporter.h"
#include "rpc/server.h"
#include "rpc/server_call.h"

namespace guise::com {

inline constexpr std::size_t kMaxRecordedCalls = 1024;
inline constexpr std::size_t kMaxReportedObjects = 4096;

// GUISE_INTROSPECTION=1, read once.
bool introspection_enabled() noexcept;

// Registers IGuiseIntrospection on `server`, answering from `exporter` (both must outlive it; the
// runtime's do). Call only when introspection_enabled().
[[nodiscard]] Status register_introspection(rpc::Server& server, ObjectExporter& exporter);

// One ORPC call while it runs on the calling thread: recorded for ListCalls when introspection is on.
class InFlightCall {
 public:
  InFlightCall(const ExportedInterface& itf, const rpc::ServerCall& call) noexcept;
  ~InFlightCall();
  InFlightCall(const InFlightCall&) = delete;
  InFlightCall& operator=(const InFlightCall&) = delete;

 private:
  std::uint64_t slot_ = 0;  // 0: not recorded
};

}  // namespace guise::com
