// audit.cpp: the audit's level, its sink (journal or log line) and the record it writes.
#include "rpc/audit.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "base/guid_string.h"
#include "base/log.h"
#include "identity/impersonation.h"
#include "rpc/server_call.h"

namespace guise::rpc::audit {
namespace detail {
std::atomic<int> g_level{static_cast<int>(AuditLevel::kOff)};
}

namespace {

std::once_flag g_configured;
std::atomic<bool> g_to_journal{false};

// systemd sets JOURNAL_STREAM="<device>:<inode>" for a service whose stderr (or stdout) is connected to
// the journal; the process is logging to the journal only if its stderr is still that very stream
// (systemd.exec(5)) — a redirected stderr, or a child that inherited the variable, is not.
bool stderr_is_journal_stream() noexcept {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  char extra = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &device, &inode, &extra) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device && static_cast<unsigned long long>(st.st_ino) == inode;
}

std::optional<AuditLevel> parse_level(std::string_view name) noexcept {
  if (name == "off") return AuditLevel::kOff;
  if (name == "impersonation") return AuditLevel::kImpersonation;
  if (name == "all") return AuditLevel::kAll;
  return std::nullopt;
}

void configure_once() noexcept {
  std::call_once(g_configured, [] {
    g_to_journal.store(stderr_is_journal_stream(), std::memory_order_relaxed);
    const char* value = std::getenv("GUISE_AUDIT");
    if (value == nullptr || *value == '\0') return;
    if (std::optional<AuditLevel> level = parse_level(value)) {
      detail::g_level.store(static_cast<int>(*level), std::memory_order_relaxed);
    } else {
      guise::log::warn("audit: GUISE_AUDIT={} is not off, impersonation or all; the audit stays off", value);
    }
  });
}

std::string_view event_name(Event event) noexcept {
  switch (event) {
    case Event::kImpersonate: return "impersonate";
    case Event::kImpersonateRefused: return "impersonate_refused";
    case Event::kRevert: return "revert";
    case Event::kAutoRevert: return "auto_revert";
  }
  return "unknown";
}

std::string_view message_verb(Event event) noexcept {
  switch (event) {
    case Event::kImpersonate: return "impersonates";
    case Event::kImpersonateRefused: return "was refused impersonating";
    case Event::kRevert: return "reverted from";
    case Event::kAutoRevert: return "was reverted at the end of the call from";
  }
  return "?";
}

struct Field {
  std::string_view name;
  std::string value;
};

std::vector<Field> fields_of(Event event, const CallAttributes& call, const std::optional<GUID>& causality,
                             const Status* refusal) {
  std::vector<Field> fields;
  fields.reserve(20);
  fields.push_back({"GUISE_EVENT", std::string(event_name(event))});
  fields.push_back({"GUISE_PID", std::to_string(::getpid())});
  fields.push_back({"GUISE_TID", std::to_string(::gettid())});
  if (call.caller) {
    const identity::Token& caller = *call.caller;
    fields.push_back({"GUISE_CALLER_UID", std::to_string(caller.uid())});
    fields.push_back({"GUISE_CALLER_GID", std::to_string(caller.gid())});
    fields.push_back({"GUISE_CALLER_PRINCIPAL", caller.principal_name()});
    fields.push_back({"GUISE_LEVEL", std::string(identity::impersonation_level_name(caller.level()))});
    // The ids the kernel applies for this caller at this level (identify → the unprivileged identity).
    const identity::ThreadIds applied = identity::thread_ids_for(caller);
    fields.push_back({"GUISE_EUID", std::to_string(applied.uid)});
    fields.push_back({"GUISE_EGID", std::to_string(applied.gid)});
    std::string groups;
    for (gid_t group : applied.groups) {
      if (!groups.empty()) groups += ',';
      groups += std::to_string(group);
    }
    fields.push_back({"GUISE_GROUPS", std::move(groups)});
  }
  if (call.client_pid) fields.push_back({"GUISE_CLIENT_PID", std::to_string(*call.client_pid)});
  fields.push_back({"GUISE_INTERFACE", format_guid(call.interface_id.uuid)});
  fields.push_back({"GUISE_INTERFACE_VERSION",
                    std::to_string(call.interface_id.major) + "." + std::to_string(call.interface_id.minor)});
  fields.push_back({"GUISE_OPNUM", std::to_string(call.opnum)});
  fields.push_back({"GUISE_CALL_ID", std::to_string(call.call_id)});
  if (causality) fields.push_back({"GUISE_CAUSALITY", format_guid(*causality)});
  if (refusal != nullptr) fields.push_back({"GUISE_ERROR", refusal->to_string()});
  return fields;
}

std::string message_of(Event event, const CallAttributes& call) {
  std::string who = call.caller ? call.caller->principal_name() + " (uid " + std::to_string(call.caller->uid()) + ")"
                                 : std::string("an unauthenticated caller");
  return fmt::format("guise audit: thread {} {} {} in {} opnum {}", ::gettid(), message_verb(event), who,
                     format_guid(call.interface_id.uuid), call.opnum);
}

// libsystemd's own socket path. sd_journal_sendv reports success when it is missing (it fails silently
// when there is no journal), so its presence is checked here: a record is never dropped for want of one.
constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

bool send_to_journal(Event event, const std::vector<Field>& fields, const std::string& message) {
  if (::access(kJournalSocket, W_OK) != 0) return false;
  std::vector<std::string> texts;
  texts.reserve(fields.size() + 2);
  texts.push_back("MESSAGE=" + message);
  // notice for what a server does by design, warning for what the kernel refused.
  texts.push_back(event == Event::kImpersonateRefused ? "PRIORITY=4" : "PRIORITY=5");
  for (const Field& field : fields) texts.push_back(std::string(field.name) + "=" + field.value);
  std::vector<iovec> parts;
  parts.reserve(texts.size());
  for (std::string& text : texts) parts.push_back({text.data(), text.size()});
  // Sent with the thread's current ids (the caller's, while impersonating): a socket they may not write
  // to refuses it (EACCES), and the record goes to the log line instead.
  return sd_journal_sendv(parts.data(), static_cast<int>(parts.size())) >= 0;
}

void write_log_line(Event event, const std::vector<Field>& fields) {
  std::string line = "audit:";
  for (const Field& field : fields) {
    line += ' ';
    line += field.name;
    line += '=';
    // Principals hold spaces and backslashes ("Unix User\alice"): quoted so the line splits on spaces.
    if (field.value.find_first_of(" \"") != std::string::npos) {
      line += '"';
      for (char c : field.value) {
        if (c == '"' || c == '\\') line += '\\';
        line += c;
      }
      line += '"';
    } else {
      line += field.value;
    }
  }
  // The audit has its own switch: GUISE_LOG_LEVEL does not hide it.
  guise::log::detail::write(event == Event::kImpersonateRefused ? guise::log::Level::kWarn : guise::log::Level::kInfo,
                            line);
}

}  // namespace

void configure_from_environment() noexcept { configure_once(); }

void record(Event event, const CallAttributes& call, const std::optional<GUID>& causality,
            const Status* refusal) noexcept {
  try {
    const std::vector<Field> fields = fields_of(event, call, causality, refusal);
    if (g_to_journal.load(std::memory_order_relaxed) && send_to_journal(event, fields, message_of(event, call))) {
      return;
    }
    write_log_line(event, fields);
  } catch (...) {
    // An audit record that cannot be built (out of memory) must not take the call down with it.
  }
}

}  // namespace guise::rpc::audit

namespace guise {

void set_audit_level(AuditLevel level) noexcept {
  rpc::audit::configure_from_environment();  // decides the sink; the level set here wins over GUISE_AUDIT
  rpc::audit::detail::g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool set_audit_level(std::string_view name) noexcept {
  std::optional<AuditLevel> level = rpc::audit::parse_level(name);
  if (!level) return false;
  set_audit_level(*level);
  return true;
}

AuditLevel audit_level() noexcept {
  return static_cast<AuditLevel>(rpc::audit::detail::g_level.load(std::memory_order_relaxed));
}

}  // namespace guise
