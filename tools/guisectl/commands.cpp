#include "commands.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "base/guid_string.h"
#include "base/hresult_map.h"
#include "com/class_directory.h"
#include "com/limits.h"
#include "com/remote_oxid.h"
#include "exit_codes.h"
#include "guise/objbase.h"
#include "guise/winerror.h"
#include "guise_introspection.h"
#include "kernel_view.h"
#include "oxidresolver.h"
#include "report.h"
#include "rpc/client.h"
#include "rpc/fault_status.h"
#include "rpc/ndr_interface.h"
#include "target.h"

namespace guisectl {

using guise::Result;
using guise::Status;
using guise::StatusCode;

namespace {

inline constexpr error_status_t kErrorAccessDenied = 5;

std::string fmt_double(double value) { return fmt::format("{:.1f}", value); }

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "guisectl: %s\n", message.c_str());
  return code;
}

int exit_code_of(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded: return kExitUnreachable;
    case StatusCode::kAccessDenied: return kExitRefused;
    case StatusCode::kInvalidInput: return kExitUsage;
    default: return kExitFailure;
  }
}

int fail(const Status& status) { return fail(exit_code_of(status), status.message()); }

// Whether a failed call means the interface is not served there (introspection off).
bool unknown_interface(const Status& status) {
  const HRESULT hr = guise::status_to_hresult(status);
  return hr == HRESULT_FROM_WIN32(guise::rpc::kRpcSUnknownIf) ||
         static_cast<std::uint32_t>(hr) == guise::rpc::kRpcSUnknownIf ||
         static_cast<std::uint32_t>(hr) == 0x1c010003u;  // nca_s_unk_if
}

std::optional<guise::rpc::AuthnLevel> parse_authn_level(const std::string& text) {
  using guise::rpc::AuthnLevel;
  if (text == "none") return AuthnLevel::kNone;
  if (text == "connect") return AuthnLevel::kConnect;
  if (text == "call") return AuthnLevel::kCall;
  if (text == "pkt") return AuthnLevel::kPkt;
  if (text == "integrity") return AuthnLevel::kPktIntegrity;
  if (text == "privacy") return AuthnLevel::kPktPrivacy;
  return std::nullopt;
}

std::optional<guise::identity::ImpersonationLevel> parse_imp_level(const std::string& text) {
  using guise::identity::ImpersonationLevel;
  if (text == "anonymous") return ImpersonationLevel::kAnonymous;
  if (text == "identify") return ImpersonationLevel::kIdentify;
  if (text == "impersonate") return ImpersonationLevel::kImpersonate;
  if (text == "delegate") return ImpersonationLevel::kDelegate;
  return std::nullopt;
}

// A connection to a target the kernel has vouched for: its SO_PEERCRED matches what the target
// requires (a class entry's owner, a given pid) before any byte is sent.
struct Connection {
  Target target;
  PeerCred peer;
  std::unique_ptr<guise::rpc::Client> client;
};

Result<Connection> connect(const Target& target, guise::rpc::AuthInfo auth, int timeout_ms) {
  GUISE_TRY(PeerCred peer, endpoint_peer(target.binding));
  if (target.expected_uid && peer.uid != *target.expected_uid) {
    return Status(StatusCode::kAccessDenied, "the endpoint " + target.binding.to_string() + " is served by uid " +
                                                 std::to_string(peer.uid) + ", its class entry says uid " +
                                                 std::to_string(*target.expected_uid));
  }
  if (target.expected_pid && peer.pid != *target.expected_pid) {
    return Status(StatusCode::kAccessDenied, "the endpoint is served by pid " + std::to_string(peer.pid));
  }
  guise::rpc::ClientOptions options;
  options.call_timeout = std::chrono::milliseconds(timeout_ms);
  options.expected_server_uid = peer.uid;  // the same server for every connection the client makes
  GUISE_TRY(guise::rpc::Client client, guise::rpc::Client::create(target.binding.to_string(), auth, options));
  return Connection{target, peer, std::make_unique<guise::rpc::Client>(std::move(client))};
}

void add_kernel_fields(Row& row, const Connection& c) {
  row.set("endpoint", c.target.binding.to_string());
  row.set("server_kernel_pid", std::to_string(c.peer.pid));
  row.set("server_kernel_uid", std::to_string(c.peer.uid));
  row.set("server_process", process_name(c.peer.pid));
}

// Calls one IGuiseIntrospection method (`method` picks it) and parses its report.
template <typename Call>
Result<std::vector<Row>> introspect(const Connection& c, int timeout_ms, Call call) {
  guise::rpc::CallOptions options;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  IGuiseIntrospection_Client client(guise::rpc::call_fn_for(*c.client, IGuiseIntrospection_v1_0_s_ifspec, options));
  char* report = nullptr;
  const error_status_t result = call(client, &report);
  std::unique_ptr<char, decltype(&CoTaskMemFree)> owned(report, &CoTaskMemFree);
  if (!client.last_status().ok()) {
    if (unknown_interface(client.last_status())) {
      return Status(StatusCode::kFailedPrecondition,
                    "the process does not serve introspection (start it with GUISE_INTROSPECTION=1)");
    }
    return client.last_status();
  }
  if (result == kErrorAccessDenied) {
    return Status(StatusCode::kAccessDenied, "the server refused: only root and the process's own uid may ask");
  }
  if (result != 0) return Status(StatusCode::kInternal, "the server answered error " + std::to_string(result));
  if (report == nullptr) return Status(StatusCode::kInternal, "the server answered no report");
  return parse_report(report);
}

int fail_introspection(const Status& status) {
  if (status.code() == StatusCode::kFailedPrecondition) return fail(kExitNoIntrospection, status.message());
  return fail(status);
}

Result<Connection> connect_pid(pid_t pid, const std::string& endpoint, int timeout_ms) {
  Target target;
  if (endpoint.empty()) {
    GUISE_TRY(target, target_for_pid(pid));
  } else {
    GUISE_TRY(target, resolve_target(endpoint));
    target.expected_pid = pid;
  }
  // Level connect: the server needs the caller's kernel-attested identity to decide (root or its uid).
  return connect(target, guise::rpc::AuthInfo::local(guise::rpc::AuthnLevel::kConnect,
                                                     guise::identity::ImpersonationLevel::kIdentify),
                 timeout_ms);
}

}  // namespace

int run_whoami(const CommonOptions& common, const WhoamiOptions& options) {
  const auto level = parse_authn_level(options.authn_level);
  const auto imp = parse_imp_level(options.imp_level);
  if (!level) return fail(kExitUsage, "unknown authentication level '" + options.authn_level + "'");
  if (!imp) return fail(kExitUsage, "unknown impersonation level '" + options.imp_level + "'");
  auto target = resolve_target(options.target);
  if (!target.ok()) return fail(target.status());
  const auto auth = *level == guise::rpc::AuthnLevel::kNone ? guise::rpc::AuthInfo::none()
                                                             : guise::rpc::AuthInfo::local(*level, *imp);
  auto connection = connect(*target, auth, common.timeout_ms);
  if (!connection.ok()) return fail(connection.status());
  auto rows = introspect(*connection, common.timeout_ms,
                         [](IGuiseIntrospection_Client& c, char** report) { return c.WhoAmI(nullptr, report); });
  if (!rows.ok()) return fail_introspection(rows.status());
  if (rows->empty() || rows->front().kind != "whoami") return fail(kExitFailure, "malformed WhoAmI report");
  Row row = rows->front();
  add_kernel_fields(row, *connection);
  if (common.json) {
    print_json("whoami", row, "", {});
  } else {
    print_record(row);
  }
  return kExitOk;
}

int run_ping(const CommonOptions& common, const std::string& target_text, int count) {
  auto target = resolve_target(target_text);
  if (!target.ok()) return fail(target.status());
  auto connection = connect(*target, guise::rpc::AuthInfo::none(), common.timeout_ms);
  if (!connection.ok()) return fail(connection.status());
  guise::rpc::CallOptions options;
  options.timeout = std::chrono::milliseconds(common.timeout_ms);
  IObjectExporter_Client exporter(guise::rpc::call_fn_for(*connection->client, IObjectExporter_v0_0_s_ifspec, options));
  std::vector<Row> rows;
  std::vector<double> times;
  for (int i = 1; i <= count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const error_status_t result = exporter.ServerAlive(nullptr);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (!exporter.last_status().ok()) return fail(exporter.last_status());
    if (result != 0) return fail(kExitFailure, "ServerAlive answered " + std::to_string(result));
    const double us = std::chrono::duration<double, std::micro>(elapsed).count();
    times.push_back(us);
    Row row;
    row.kind = "reply";
    row.set("seq", std::to_string(i));
    row.set("rtt_us", fmt_double(us));
    rows.push_back(std::move(row));
  }
  Row summary;
  add_kernel_fields(summary, *connection);
  summary.set("count", std::to_string(times.size()));
  const auto [lowest, highest] = std::minmax_element(times.begin(), times.end());
  double sum = 0;
  for (double t : times) sum += t;
  summary.set("min_us", fmt_double(*lowest));
  summary.set("avg_us", fmt_double(sum / static_cast<double>(times.size())));
  summary.set("max_us", fmt_double(*highest));
  if (common.json) {
    print_json("ping", summary, "replies", rows);
  } else {
    print_record(summary);
    std::printf("\n");
    print_table(rows, {"seq", "rtt_us"});
  }
  return kExitOk;
}

int run_classes(const CommonOptions& common) {
  std::vector<Row> rows;
  bool untrusted = false;
  constexpr std::size_t kMaxEntries = 4096;  // a directory full of junk cannot make guisectl run for ever
  for (const std::string& directory : guise::com::class_lookup_directories()) {
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) continue;
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(dir)) {
      if (names.size() >= kMaxEntries) break;
      if (guise::parse_guid(entry->d_name)) names.emplace_back(entry->d_name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      Row row;
      row.kind = "class";
      row.set("clsid", name);
      row.set("directory", directory);
      const std::string path = directory + "/" + name;
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0) row.set("file_owner", std::to_string(st.st_uid));
      // The runtime's own lookup, with every trust check a client applies.
      auto found = guise::com::find_class_entry(*guise::parse_guid(name), guise::com::ComLimits{});
      if (!found.ok()) {
        row.set("status", "untrusted");
        row.set("detail", found.status().message());
        untrusted = true;
      } else if (!*found) {
        row.set("status", "gone");
      } else if ((*found)->path != path) {
        row.set("status", "shadowed");
        row.set("detail", "clients use " + (*found)->path);
      } else {
        const auto& entry = **found;
        row.set("owner", std::to_string(entry.owner));
        auto binding = guise::com::OxidTable::pick_binding(entry.objref.resolver);
        if (!binding) {
          row.set("status", "untrusted");
          row.set("detail", "no local endpoint");
          untrusted = true;
        } else {
          row.set("endpoint", binding->to_string());
          auto peer = endpoint_peer(*binding);
          if (!peer.ok()) {
            row.set("status", "stale");
            row.set("detail", peer.status().message());
          } else {
            row.set("pid", std::to_string(peer->pid));
            row.set("uid", std::to_string(peer->uid));
            row.set("process", process_name(peer->pid));
            if (peer->uid != entry.owner) {
              row.set("status", "wrong-uid");
              row.set("detail", "served by uid " + std::to_string(peer->uid) + ", not the entry's owner");
              untrusted = true;
            } else {
              row.set("status", "ok");
            }
          }
        }
      }
      rows.push_back(std::move(row));
    }
  }
  if (common.json) {
    print_json("classes", Row{}, "classes", rows);
  } else {
    print_table(rows, {"clsid", "status", "pid", "uid", "owner", "process", "endpoint", "directory", "detail"});
  }
  return untrusted ? kExitUntrusted : kExitOk;
}

int run_objects(const CommonOptions& common, pid_t pid, const std::string& endpoint) {
  auto connection = connect_pid(pid, endpoint, common.timeout_ms);
  if (!connection.ok()) return fail(connection.status());
  auto rows = introspect(*connection, common.timeout_ms,
                         [](IGuiseIntrospection_Client& c, char** report) { return c.ListObjects(nullptr, report); });
  if (!rows.ok()) return fail_introspection(rows.status());
  if (rows->empty() || rows->front().kind != "objects") return fail(kExitFailure, "malformed ListObjects report");
  Row summary = rows->front();
  add_kernel_fields(summary, *connection);
  std::vector<Row> objects(rows->begin() + 1, rows->end());
  if (common.json) {
    print_json("objects", summary, "objects", objects);
  } else {
    print_record(summary);
    std::printf("\n");
    print_table(objects, {"oid", "ipid", "interface", "iid", "public_refs", "system"});
  }
  return kExitOk;
}

int run_calls(const CommonOptions& common, pid_t pid, const std::string& endpoint) {
  auto connection = connect_pid(pid, endpoint, common.timeout_ms);
  if (!connection.ok()) return fail(connection.status());
  auto rows = introspect(*connection, common.timeout_ms,
                         [](IGuiseIntrospection_Client& c, char** report) { return c.ListCalls(nullptr, report); });
  if (!rows.ok()) return fail_introspection(rows.status());
  if (rows->empty() || rows->front().kind != "calls") return fail(kExitFailure, "malformed ListCalls report");
  Row summary = rows->front();
  add_kernel_fields(summary, *connection);
  std::vector<Row> calls(rows->begin() + 1, rows->end());
  for (Row& call : calls) {
    // The serving thread as the kernel shows it now (guise keeps the real ids the process's while a
    // thread impersonates, so effective ≠ real means impersonating).
    const std::string& tid_text = call.get("tid");
    const auto ids = tid_text.empty() ? std::nullopt : task_ids(pid, static_cast<pid_t>(std::stol(tid_text)));
    if (!ids) {
      call.set("impersonating", "ended");
      continue;
    }
    auto join = [](const std::vector<long>& v) {
      return std::to_string(v[0]) + "," + std::to_string(v[1]) + "," + std::to_string(v[2]) + "," + std::to_string(v[3]);
    };
    call.set("kernel_uid", join(ids->uid));
    call.set("kernel_gid", join(ids->gid));
    call.set("kernel_euid", std::to_string(ids->uid[1]));
    call.set("impersonating", ids->uid[1] != ids->uid[0] || ids->gid[1] != ids->gid[0] ? "yes" : "no");
  }
  if (common.json) {
    print_json("calls", summary, "calls", calls);
  } else {
    print_record(summary);
    std::printf("\n");
    print_table(calls, {"tid", "interface", "opnum", "uid", "client_pid", "authn_level", "imp_level", "running_ms",
                        "kernel_euid", "impersonating"});
  }
  return kExitOk;
}

}  // namespace guisectl
