#include "com/introspection.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "base/guid_string.h"
#include "base/hresult_map.h"
#include "base/log.h"
#include "com/security_settings.h"
#include "guise/objbase.h"
#include "guise_introspection.h"
#include "rpc/ndr_interface.h"

namespace guise::com {
namespace {

inline constexpr error_status_t kErrorAccessDenied = 5;
inline constexpr error_status_t kErrorNotEnoughMemory = 8;

// A report field's value: no spaces, '=' or newlines (they separate fields); '%' escapes.
std::string field(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == ' ' || c == '=' || c == '%' || c == '\n' || c == '\t') {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out.empty() ? std::string("-") : out;
}

// The names guisectl's --authn-level takes.
std::string_view authn_name(rpc::AuthnLevel level) {
  switch (level) {
    case rpc::AuthnLevel::kDefault: return "default";
    case rpc::AuthnLevel::kNone: return "none";
    case rpc::AuthnLevel::kConnect: return "connect";
    case rpc::AuthnLevel::kCall: return "call";
    case rpc::AuthnLevel::kPkt: return "pkt";
    case rpc::AuthnLevel::kPktIntegrity: return "integrity";
    case rpc::AuthnLevel::kPktPrivacy: return "privacy";
  }
  return "unknown";
}

std::string_view level_name(identity::ImpersonationLevel level) {
  switch (level) {
    case identity::ImpersonationLevel::kAnonymous: return "anonymous";
    case identity::ImpersonationLevel::kIdentify: return "identify";
    case identity::ImpersonationLevel::kImpersonate: return "impersonate";
    case identity::ImpersonationLevel::kDelegate: return "delegate";
  }
  return "unknown";
}

std::string groups_text(const std::vector<gid_t>& groups) {
  std::string out;
  for (gid_t g : groups) out += (out.empty() ? "" : ",") + std::to_string(g);
  return out;
}

// The blanket and caller fields every report line about a call carries.
std::string caller_fields(const rpc::CallAttributes& a) {
  std::string out = fmt::format("transport={} authn_level={} authn_service={} imp_level={} capabilities=0x{:x}",
                                a.transport == rpc::TransportKind::kLocal ? "ncalrpc" : "ncacn_ip_tcp",
                                authn_name(a.authn_level), a.authn_service,
                                a.imp_level ? level_name(*a.imp_level) : std::string_view("none"), a.capabilities);
  if (a.client_pid) out += fmt::format(" client_pid={}", *a.client_pid);
  if (a.caller) {
    out += fmt::format(" uid={} gid={} groups={} principal={} anonymous={}", a.caller->uid(), a.caller->gid(),
                       field(groups_text(a.caller->groups())), field(a.caller->principal_name()),
                       a.caller->is_anonymous() ? 1 : 0);
  }
  return out;
}

// "Uid:\t0\t41001\t0\t41001" → "0,41001,0,41001": the calling thread as the kernel shows it.
std::string thread_ids(std::string_view key) {
  std::ifstream status("/proc/thread-self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) != 0) continue;
    std::string out;
    for (char c : line.substr(key.size())) {
      if (c == '\t' || c == ' ') {
        if (!out.empty() && out.back() != ',') out += ',';
      } else {
        out += c;
      }
    }
    while (!out.empty() && out.back() == ',') out.pop_back();
    return out;
  }
  return "-";
}

char* to_report(const std::string& text) {
  auto* out = static_cast<char*>(CoTaskMemAlloc(text.size() + 1));
  if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

struct RecordedCall {
  pid_t tid = 0;
  Ipid ipid{};
  IID iid{};
  const char* interface_name = "IUnknown";
  std::uint16_t opnum = 0;
  std::string caller;  // caller_fields()
  std::chrono::steady_clock::time_point started;
};

class CallTable {
 public:
  std::uint64_t add(RecordedCall call) {
    std::lock_guard lock(mu_);
    if (calls_.size() >= kMaxRecordedCalls) {
      ++unrecorded_;
      return 0;
    }
    const std::uint64_t slot = ++next_;
    calls_.emplace(slot, std::move(call));
    return slot;
  }
  void remove(std::uint64_t slot) {
    std::lock_guard lock(mu_);
    calls_.erase(slot);
  }
  std::string report() const {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    std::string out = fmt::format("calls total={} unrecorded={}\n", calls_.size(), unrecorded_);
    for (const auto& [slot, c] : calls_) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - c.started).count();
      out += fmt::format("call tid={} ipid={} iid={} interface={} opnum={} running_ms={} {}\n", c.tid,
                         format_guid(c.ipid), format_guid(c.iid), field(c.interface_name), c.opnum, ms, c.caller);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::uint64_t, RecordedCall> calls_;
  std::uint64_t next_ = 0;
  std::uint64_t unrecorded_ = 0;
};

CallTable& call_table() {
  static auto* table = new CallTable();  // lives as long as the process: calls may end during exit
  return *table;
}

// Root or this process's own uid, attested by the kernel over ncalrpc.
bool may_inspect(const rpc::CallAttributes& a) {
  return a.transport == rpc::TransportKind::kLocal && a.caller && !a.caller->is_anonymous() &&
         a.caller->ids_attested() && (a.caller->uid() == 0 || a.caller->uid() == ::getuid());
}

class IntrospectionService final : public IGuiseIntrospection_Server {
 public:
  explicit IntrospectionService(ObjectExporter& exporter) : exporter_(exporter) {}

  error_status_t WhoAmI(handle_t hRpc, char** report) override {
    *report = nullptr;
    rpc::ServerCall* call = rpc::server_call_from(hRpc);
    if (call == nullptr) return kErrorAccessDenied;
    const rpc::CallAttributes& a = call->attributes();
    if (check_call_access(a) != S_OK) {
      log::info("introspection: WhoAmI refused by the process's access policy");
      return kErrorAccessDenied;
    }
    std::string text = fmt::format("whoami server_pid={} server_uid={} {}", ::getpid(), ::getuid(), caller_fields(a));
    // What the kernel shows for this thread while it impersonates the caller, when the blanket allows.
    if (a.caller && a.imp_level && *a.imp_level >= identity::ImpersonationLevel::kIdentify) {
      if (Status s = call->impersonate_client(); s.ok()) {
        text += fmt::format(" impersonated=1 thread_uid={} thread_gid={}", thread_ids("Uid:"), thread_ids("Gid:"));
        call->revert_to_self();
      } else {
        text += fmt::format(" impersonated=0 impersonate_hr=0x{:08x}", static_cast<std::uint32_t>(status_to_hresult(s)));
      }
    } else {
      text += " impersonated=0";
    }
    *report = to_report(text + "\n");
    return *report != nullptr ? 0 : kErrorNotEnoughMemory;
  }

  error_status_t ListObjects(handle_t hRpc, char** report) override {
    *report = nullptr;
    const rpc::ServerCall* call = rpc::server_call_from(hRpc);
    if (call == nullptr || !may_inspect(call->attributes())) {
      log::info("introspection: ListObjects refused (only root and the process's uid may ask)");
      return kErrorAccessDenied;
    }
    std::size_t total = 0;
    const auto rows = exporter_.exported_interfaces(kMaxReportedObjects, total);
    std::string text = fmt::format("objects pid={} uid={} total={} shown={}\n", ::getpid(), ::getuid(), total, rows.size());
    for (const auto& r : rows) {
      text += fmt::format("object oxid={:016x} oid={:016x} ipid={} iid={} interface={} public_refs={} system={}\n", r.oxid,
                          r.oid, format_guid(r.ipid), format_guid(r.iid), field(r.interface_name), r.public_refs,
                          r.system ? 1 : 0);
    }
    *report = to_report(text);
    return *report != nullptr ? 0 : kErrorNotEnoughMemory;
  }

  error_status_t ListCalls(handle_t hRpc, char** report) override {
    *report = nullptr;
    const rpc::ServerCall* call = rpc::server_call_from(hRpc);
    if (call == nullptr || !may_inspect(call->attributes())) {
      log::info("introspection: ListCalls refused (only root and the process's uid may ask)");
      return kErrorAccessDenied;
    }
    *report = to_report(fmt::format("pid={} uid={} ", ::getpid(), ::getuid()) + call_table().report());
    return *report != nullptr ? 0 : kErrorNotEnoughMemory;
  }

 private:
  ObjectExporter& exporter_;
};

}  // namespace

bool introspection_enabled() noexcept {
  static const bool enabled = [] {
    const char* value = std::getenv("GUISE_INTROSPECTION");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return enabled;
}

Status register_introspection(rpc::Server& server, ObjectExporter& exporter) {
  // Lives as long as the process: the server's registration keeps a raw pointer to it.
  static auto* service = new IntrospectionService(exporter);
  ndr::Limits limits;
  limits.max_allocation = 4096;  // the requests carry nothing
  GUISE_RETURN_IF_ERROR(
      server.register_interface(rpc::registration_for(IGuiseIntrospection_v1_0_s_ifspec, service, limits)));
  log::info("com: introspection on (GUISE_INTROSPECTION=1): guisectl may list this process's objects and calls");
  return Status::Ok();
}

InFlightCall::InFlightCall(const ExportedInterface& itf, const rpc::ServerCall& call) noexcept {
  if (!introspection_enabled()) return;
  try {
    RecordedCall record;
    record.tid = ::gettid();
    record.ipid = itf.ipid;
    record.iid = itf.iid;
    if (itf.stub != nullptr) record.interface_name = itf.stub->name;
    record.opnum = call.attributes().opnum;
    record.caller = caller_fields(call.attributes());
    record.started = std::chrono::steady_clock::now();
    slot_ = call_table().add(std::move(record));
  } catch (...) {
    slot_ = 0;  // out of memory: the call runs unrecorded
  }
}

InFlightCall::~InFlightCall() {
  if (slot_ != 0) call_table().remove(slot_);
}

}  // namespace guise::com
