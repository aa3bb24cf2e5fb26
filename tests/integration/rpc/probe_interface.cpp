// probe_interface.cpp: handlers of the test interface.
#include "integration/rpc/probe_interface.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "identity/impersonation.h"
#include "identity/kernel_ids.h"
#include "rpc/server_call.h"

namespace guise::rpc::testing {
namespace {

std::string status_lines(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
  std::string line, out;
  while (std::getline(in, line)) {
    for (const char* key : {"Uid:", "Gid:", "Groups:"}) {
      if (line.rfind(key, 0) == 0) {
        std::string value = line.substr(std::string(key).size());
        std::replace(value.begin(), value.end(), '\t', ' ');
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        while (!value.empty() && value.back() == ' ') value.pop_back();
        out += std::string(key, std::string(key).size() - 1) + "=" + value + "\n";
      }
    }
  }
  return out;
}

void append(std::vector<std::byte>& out, const std::string& text) {
  for (char c : text) out.push_back(static_cast<std::byte>(c));
}

std::mutex g_block_mu;
std::condition_variable g_block_cv;
bool g_released = false;

Status who_am_i(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>& out) {
  const CallAttributes& a = call.attributes();
  std::ostringstream s;
  s << "level=" << static_cast<int>(a.authn_level) << "\n";
  s << "service=" << a.authn_service << "\n";
  s << "imp=" << (a.imp_level ? static_cast<int>(*a.imp_level) : 0) << "\n";
  if (a.caller) {
    s << "principal=" << a.caller->principal_name() << "\n";
    s << "uid=" << a.caller->uid() << "\n";
    s << "gid=" << a.caller->gid() << "\n";
    s << "anonymous=" << (a.caller->is_anonymous() ? 1 : 0) << "\n";
    s << "attested=" << (a.caller->ids_attested() ? 1 : 0) << "\n";
  } else {
    s << "principal=\n";
  }
  s << "pid=" << (a.client_pid ? *a.client_pid : 0) << "\n";
  s << "transport=" << (a.transport == TransportKind::kLocal ? "local" : "tcp") << "\n";
  s << "object=" << (a.object ? 1 : 0) << "\n";
  append(out, s.str());
  return Status::Ok();
}

Status open_as(ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>& out) {
  std::string path(reinterpret_cast<const char*>(in.data()), in.size());
  Status st = call.impersonate_client();
  std::ostringstream s;
  s << "impersonate=0x" << std::hex << (st.hresult() ? static_cast<unsigned>(*st.hresult()) : 0u) << std::dec << "\n";
  s << status_lines(identity::current_tid());
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  s << "open=" << (fd < 0 ? errno : 0) << "\n";
  if (fd >= 0) ::close(fd);
  call.revert_to_self();
  append(out, s.str());
  return Status::Ok();
}

Status impersonate_and_forget(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>& out) {
  GUISE_RETURN_IF_ERROR(call.impersonate_client());
  append(out, "tid=" + std::to_string(identity::current_tid()) + "\n" + status_lines(identity::current_tid()));
  return Status::Ok();  // no revert: the runtime must do it
}

Status impersonate_and_throw(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>&) {
  GUISE_RETURN_IF_ERROR(call.impersonate_client());
  throw std::runtime_error("handler failed while impersonating");
}

Status thread_status(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>& out) {
  append(out, "tid=" + std::to_string(identity::current_tid()) + "\n" + status_lines(identity::current_tid()) +
                  "impersonating=" + (call.is_impersonating() ? "1" : "0") + "\n");
  return Status::Ok();
}

Status all_threads(ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return internal_error("opendir /proc/self/task");
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    pid_t tid = static_cast<pid_t>(std::stol(e->d_name));
    std::string lines = status_lines(tid);
    auto uid_at = lines.find("Uid=");
    append(out, std::to_string(tid) + " " + lines.substr(uid_at + 4, lines.find('\n', uid_at) - uid_at - 4) + "\n");
  }
  ::closedir(dir);
  return Status::Ok();
}

Status add_one(ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) {
  // NDR 2.0: [in] ULONG is 4 octets little-endian; anything else is bad stub data.
  if (in.size() != 4) return invalid_input("AddOne takes exactly one ULONG");
  std::uint32_t x = 0;
  for (int i = 3; i >= 0; --i) x = (x << 8) | std::to_integer<std::uint32_t>(in[static_cast<std::size_t>(i)]);
  std::uint32_t y = x + 1;
  for (std::uint32_t v : {y, 0u}) {  // [out] ULONG, then the ULONG return value
    for (int i = 0; i < 4; ++i) out.push_back(std::byte{static_cast<std::uint8_t>(v >> (8 * i))});
  }
  return Status::Ok();
}

Status block(ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) {
  std::unique_lock lock(g_block_mu);
  bool released = g_block_cv.wait_for(lock, std::chrono::seconds(30), [] { return g_released; });
  g_released = false;
  append(out, released ? "released=1\n" : "released=0\n");
  return Status::Ok();
}

Status release(ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
  {
    std::lock_guard lock(g_block_mu);
    g_released = true;
  }
  g_block_cv.notify_all();
  return Status::Ok();
}

Status big_reply(ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) {
  if (in.size() != 4) return invalid_input("BigReply takes one ULONG");
  std::uint32_t n = 0;
  for (int i = 3; i >= 0; --i) n = (n << 8) | std::to_integer<std::uint32_t>(in[static_cast<std::size_t>(i)]);
  if (n > (1u << 22)) return invalid_input("too big");
  out.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(std::byte{static_cast<std::uint8_t>(i)});
  return Status::Ok();
}

Status sum(ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) {
  std::uint64_t total = 0;
  for (auto b : in) total += std::to_integer<std::uint64_t>(b);
  append(out, "size=" + std::to_string(in.size()) + "\nsum=" + std::to_string(total) + "\n");
  return Status::Ok();
}

Status end_thread(ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
  ::pthread_exit(nullptr);  // unwinds through the runtime's call dispatch (a forced unwind)
}

std::mutex g_descriptors_mu;
std::vector<int> g_descriptors;

Status hold_descriptors(ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) {
  std::lock_guard lock(g_descriptors_mu);
  for (int i = 0; i < 1'000'000; ++i) {  // bounded by RLIMIT_NOFILE long before this
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    g_descriptors.push_back(fd);
  }
  append(out, "held=" + std::to_string(g_descriptors.size()) + "\n");
  return Status::Ok();
}

Status release_descriptors(ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) {
  std::lock_guard lock(g_descriptors_mu);
  for (int fd : g_descriptors) ::close(fd);
  append(out, "released=" + std::to_string(g_descriptors.size()) + "\n");
  g_descriptors.clear();
  return Status::Ok();
}

Status echo(ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) {
  out.assign(in.begin(), in.end());
  return Status::Ok();
}

}  // namespace

void reset_probe_state() {
  std::lock_guard lock(g_block_mu);
  g_released = false;
}

InterfaceRegistration probe_interface() {
  InterfaceRegistration r;
  r.id = kProbeInterface;
  r.name = "probe";
  r.ops.resize(kProbeOpCount);
  r.ops[kEcho] = echo;
  r.ops[kWhoAmI] = who_am_i;
  r.ops[kOpenAs] = open_as;
  r.ops[kImpersonateAndForget] = impersonate_and_forget;
  r.ops[kImpersonateAndThrow] = impersonate_and_throw;
  r.ops[kThreadStatus] = thread_status;
  r.ops[kAllThreads] = all_threads;
  r.ops[kAddOne] = add_one;
  r.ops[kBlock] = block;
  r.ops[kRelease] = release;
  r.ops[kBigReply] = big_reply;
  r.ops[kSum] = sum;
  r.ops[kEndThread] = end_thread;
  r.ops[kHoldDescriptors] = hold_descriptors;
  r.ops[kReleaseDescriptors] = release_descriptors;
  return r;
}

InterfaceRegistration echo_interface() {
  InterfaceRegistration r;
  r.id = kEchoInterface;
  r.name = "echo";
  r.ops.push_back(echo);
  return r;
}

std::map<std::string, std::string> parse_fields(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (auto eq = line.find('='); eq != std::string_view::npos) {
      out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
    pos = end + 1;
  }
  return out;
}

std::string as_text(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::vector<std::byte> as_bytes(std::string_view text) {
  std::vector<std::byte> out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

}  // namespace guise::rpc::testing
