#include "kernel_view.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "base/unique_fd.h"

namespace guisectl {

using guise::Result;
using guise::Status;
using guise::StatusCode;

Result<PeerCred> endpoint_peer(const guise::rpc::StringBinding& binding) {
  if (binding.protseq != guise::rpc::Protseq::kNcalrpc) {
    return Status(StatusCode::kInvalidInput, "only ncalrpc endpoints can be attested by the kernel");
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string& path = binding.endpoint;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return Status(StatusCode::kInvalidInput, "endpoint name empty or too long: '" + path + "'");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@') {
    address.sun_path[0] = '\0';  // abstract namespace
  } else {
    length += 1;  // the path's NUL
  }
  guise::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status(StatusCode::kResourceExhausted, std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    const int error = errno;
    if (error == EACCES || error == EPERM) {
      return Status(StatusCode::kAccessDenied, "connect " + path + ": " + std::strerror(error));
    }
    return Status(StatusCode::kUnavailable, "connect " + path + ": " + std::strerror(error));
  }
  ucred cred{};
  socklen_t size = sizeof cred;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0) {
    return Status(StatusCode::kUnavailable, std::string("SO_PEERCRED: ") + std::strerror(errno));
  }
  return PeerCred{cred.pid, cred.uid, cred.gid};
}

Result<std::vector<std::string>> listening_endpoints(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  if (::access(base.c_str(), F_OK) != 0) return Status(StatusCode::kNotFound, "no process " + std::to_string(pid));
  // The socket inodes the process holds open.
  std::set<unsigned long> inodes;
  DIR* dir = ::opendir((base + "/fd").c_str());
  if (dir == nullptr) {
    return Status(StatusCode::kAccessDenied, "cannot read " + base + "/fd: " + std::strerror(errno));
  }
  constexpr std::size_t kMaxDescriptors = 1u << 20;  // bounded however many descriptors it holds
  std::size_t seen = 0;
  while (dirent* entry = ::readdir(dir)) {
    if (++seen > kMaxDescriptors) break;
    char target[128];
    const std::string link = base + "/fd/" + entry->d_name;
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    unsigned long inode = 0;
    if (std::sscanf(target, "socket:[%lu]", &inode) == 1) inodes.insert(inode);
  }
  ::closedir(dir);
  // Its network namespace's AF_UNIX table: Num RefCount Protocol Flags Type St Inode [Path].
  std::ifstream table(base + "/net/unix");
  std::string line;
  std::getline(table, line);  // header
  std::vector<std::string> out;
  constexpr unsigned long kAcceptCon = 0x10000;  // __SO_ACCEPTCON: listening
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string num, refs, protocol, flags, type, state, path;
    unsigned long inode = 0;
    if (!(fields >> num >> refs >> protocol >> flags >> type >> state >> inode >> path)) continue;
    if (!inodes.contains(inode)) continue;
    if ((std::stoul(flags, nullptr, 16) & kAcceptCon) == 0) continue;
    out.push_back("ncalrpc:[" + path + "]");
  }
  return out;
}

std::optional<TaskIds> task_ids(pid_t pid, pid_t tid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/status");
  if (!status) return std::nullopt;
  TaskIds ids;
  std::string line;
  while (std::getline(status, line)) {
    std::vector<long>* into = line.rfind("Uid:", 0) == 0 ? &ids.uid : line.rfind("Gid:", 0) == 0 ? &ids.gid : nullptr;
    if (into == nullptr) continue;
    std::istringstream fields(line.substr(4));
    long v = 0;
    while (fields >> v) into->push_back(v);
  }
  if (ids.uid.size() != 4 || ids.gid.size() != 4) return std::nullopt;
  return ids;
}

std::string process_name(pid_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  if (!std::getline(comm, name) || name.empty()) return "-";
  return name;
}

}  // namespace guisectl
