#include "target.h"

#include <algorithm>
#include <cctype>

#include "base/guid_string.h"
#include "com/class_directory.h"
#include "com/limits.h"
#include "com/remote_oxid.h"
#include "kernel_view.h"

namespace guisectl {

using guise::Result;
using guise::Status;
using guise::StatusCode;

Result<Target> target_for_pid(pid_t pid) {
  GUISE_TRY(std::vector<std::string> endpoints, listening_endpoints(pid));
  std::stable_partition(endpoints.begin(), endpoints.end(),
                        [](const std::string& e) { return e.starts_with("ncalrpc:[@guise-com-"); });
  for (const auto& text : endpoints) {
    auto binding = guise::rpc::StringBinding::parse(text);
    if (!binding.ok()) continue;
    auto peer = endpoint_peer(*binding);
    if (!peer.ok() || peer->pid != pid) continue;  // inherited from another process, or not serving
    Target target;
    target.binding = std::move(*binding);
    target.expected_pid = pid;
    target.expected_uid = peer->uid;
    target.kind = "pid";
    return target;
  }
  return Status(StatusCode::kNotFound, "process " + std::to_string(pid) + " serves no ncalrpc endpoint");
}

Result<Target> resolve_target(const std::string& text) {
  if (text.empty()) return Status(StatusCode::kInvalidInput, "empty target");
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (text.size() > 9) return Status(StatusCode::kInvalidInput, "not a process id: " + text);
    return target_for_pid(static_cast<pid_t>(std::stol(text)));
  }
  if (auto clsid = guise::parse_guid(text)) {
    GUISE_TRY(auto entry, guise::com::find_class_entry(*clsid, guise::com::ComLimits{}));
    if (!entry) return Status(StatusCode::kNotFound, "no class entry for " + text + " in any class directory");
    auto binding = guise::com::OxidTable::pick_binding(entry->objref.resolver);
    if (!binding) {
      return Status(StatusCode::kAccessDenied, "the class entry " + entry->path + " names no local endpoint");
    }
    Target target;
    target.binding = std::move(*binding);
    target.expected_uid = entry->owner;
    target.kind = "clsid";
    return target;
  }
  std::string binding_text = text;
  if (text[0] == '@' || text[0] == '/') binding_text = "ncalrpc:[" + text + "]";
  GUISE_TRY(guise::rpc::StringBinding binding, guise::rpc::StringBinding::parse(binding_text));
  if (binding.protseq != guise::rpc::Protseq::kNcalrpc) {
    return Status(StatusCode::kInvalidInput, "guisectl speaks ncalrpc only (the kernel attests both ends there)");
  }
  Target target;
  target.binding = std::move(binding);
  target.kind = "endpoint";
  return target;
}

}  // namespace guisectl
