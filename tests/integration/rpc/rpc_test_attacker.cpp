// guise-rpc-test-attacker: a hostile local client, run by the tests as an unprivileged uid.
//
//   guise-rpc-test-attacker <mode> <ncalrpc binding> [arguments]
//     hold N           N connections, each bound, then silent
//                        → bound=<k> refused=<bind_nak local_limit_exceeded> closed=<no answer>
//     flood N          N connections that never send a byte → connected=<k> failed=<connect errors>
//     trickle N        N bound connections, each sending 10 octets of a request, then nothing
//     fill N BYTES     N bound connections, each sending first fragments of half-sent calls (never the
//                      last) until BYTES are out or the server answers → sent=<octets> no_memory=<faults
//                      nca_s_fault_remote_no_memory> other=<other answers>
//     slowread N SIZE  N bound connections, each asking for a SIZE-octet reply it never reads
//     drain N SIZE     one bound connection asking for a SIZE-octet reply, then reading at most N octets
//                      every 100 ms — steadily, so the server's socket never stays full for long — for
//                      at most 20 s → received=<octets> closed=<1 once the server hung up>
//     fifo N PATH      creates the FIFO PATH, then N connections (IMPERSONATE) each calling OpenAs(PATH):
//                      the handler, impersonating us, blocks opening it → sent=<n>
//     signal PID       until stdin closes: SIGSTOP then SIGKILL to every thread of PID, over and over
//                      → eperm=<refused> delivered=<sent> (printed when stdin closes)
// Each mode prints its counts, then "ready", then holds everything until its stdin closes (the test's
// lifeline), then releases FIFO readers (fifo) and exits 0. Every loop is bounded.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration/rpc/probe_interface.h"
#include "rpc/fault_status.h"
#include "rpc/local_security.h"
#include "rpc/pdu.h"
#include "rpc/string_binding.h"
#include "rpc/transport.h"

using namespace guise;
using namespace guise::rpc;

namespace {

std::vector<std::byte> bind_pdu(identity::ImpersonationLevel imp) {
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = 1;
  b.max_xmit_frag = b.max_recv_frag = 4280;
  b.contexts.push_back({0, testing::kProbeInterface, {kNdr20Syntax}});
  b.auth = make_local_auth_request(AuthnLevel::kConnect, imp, 0, 0);
  return encode_bind(b);
}

std::vector<std::byte> request_pdu(std::uint16_t opnum, std::span<const std::byte> stub, std::uint32_t call_id,
                                   std::uint8_t flags, std::uint32_t alloc_hint) {
  RequestPdu r;
  r.header.type = PType::kRequest;
  r.header.flags = flags;
  r.header.call_id = call_id;
  r.alloc_hint = alloc_hint;
  r.opnum = opnum;
  r.stub = stub;
  return encode_request(r);
}

bool send_bytes(int fd, const std::vector<std::byte>& bytes) {
  std::size_t sent = 0;
  for (int i = 0; i < 10000 && sent < bytes.size(); ++i) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  return sent == bytes.size();
}

// The next PDU (waiting at most `timeout_ms`), or nullopt when the server closed or said nothing.
std::optional<std::vector<std::byte>> receive_pdu(int fd, int timeout_ms) {
  std::vector<std::byte> pending;
  for (int i = 0; i < 1000; ++i) {
    if (pending.size() >= kCommonHeaderSize) {
      std::size_t length = std::to_integer<std::size_t>(pending[8]) | (std::to_integer<std::size_t>(pending[9]) << 8);
      if (length >= kCommonHeaderSize && pending.size() >= length) {
        pending.resize(length);
        return pending;
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    std::byte buffer[8192];
    // Exactly what one PDU needs at most, so a second PDU stays in the socket.
    const std::size_t want = pending.size() < kCommonHeaderSize
                                 ? kCommonHeaderSize - pending.size()
                                 : (std::to_integer<std::size_t>(pending[8]) |
                                    (std::to_integer<std::size_t>(pending[9]) << 8)) - pending.size();
    ssize_t n = ::recv(fd, buffer, std::min(sizeof buffer, want), 0);
    if (n <= 0) return std::nullopt;
    pending.insert(pending.end(), buffer, buffer + n);
  }
  return std::nullopt;
}

StringBinding g_binding;

UniqueFd connect_once() {
  auto fd = connect_to(g_binding);
  return fd.ok() ? std::move(fd).value() : UniqueFd();
}

enum class BindAnswer { kAck, kRefused, kOther, kNone };

BindAnswer bind(int fd, identity::ImpersonationLevel imp = identity::ImpersonationLevel::kIdentify) {
  if (!send_bytes(fd, bind_pdu(imp))) return BindAnswer::kNone;
  auto answer = receive_pdu(fd, 10000);
  if (!answer) return BindAnswer::kNone;
  auto pdu = decode_pdu(*answer, Limits{});
  if (!pdu.ok()) return BindAnswer::kOther;
  if (std::holds_alternative<BindAckPdu>(*pdu)) return BindAnswer::kAck;
  if (auto* nak = std::get_if<BindNakPdu>(&*pdu);
      nak && nak->reason == static_cast<std::uint16_t>(BindNakReason::kLocalLimitExceeded)) {
    return BindAnswer::kRefused;
  }
  return BindAnswer::kOther;
}

std::vector<UniqueFd> g_held;

// Bound connections for the modes that then misbehave on them.
void open_bound(unsigned n, identity::ImpersonationLevel imp = identity::ImpersonationLevel::kIdentify) {
  for (unsigned i = 0; i < n; ++i) {
    UniqueFd fd = connect_once();
    if (!fd) break;
    if (bind(fd.get(), imp) != BindAnswer::kAck) break;
    g_held.push_back(std::move(fd));
  }
}

bool stdin_open(int timeout_ms) {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return true;
  char c;
  return ::read(STDIN_FILENO, &c, 1) > 0;
}

void ready() {
  std::printf("ready\n");
  std::fflush(stdout);
}

void hold_until_stdin_closes() {
  for (int i = 0; i < 1'000'000 && stdin_open(-1); ++i) {
  }
}

std::vector<pid_t> threads_of(pid_t pid) {
  std::vector<pid_t> out;
  DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (dir == nullptr) return out;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') out.push_back(static_cast<pid_t>(std::atol(e->d_name)));
  }
  ::closedir(dir);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <mode> <binding> <arguments>\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  auto binding = StringBinding::parse(argv[2]);
  if (!binding.ok()) return 2;
  g_binding = *binding;
  const unsigned n = static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10));
  ::signal(SIGPIPE, SIG_IGN);

  if (mode == "hold") {
    unsigned bound = 0, refused = 0, closed = 0;
    for (unsigned i = 0; i < n; ++i) {
      UniqueFd fd = connect_once();
      if (!fd) {
        ++closed;
        continue;
      }
      switch (bind(fd.get())) {
        case BindAnswer::kAck:
          ++bound;
          g_held.push_back(std::move(fd));
          break;
        case BindAnswer::kRefused: ++refused; break;
        default: ++closed; break;
      }
    }
    std::printf("bound=%u\nrefused=%u\nclosed=%u\n", bound, refused, closed);
  } else if (mode == "flood") {
    unsigned connected = 0, failed = 0;
    for (unsigned i = 0; i < n; ++i) {
      UniqueFd fd = connect_once();
      if (fd) {
        ++connected;
        g_held.push_back(std::move(fd));
      } else {
        ++failed;
      }
    }
    std::printf("connected=%u\nfailed=%u\n", connected, failed);
  } else if (mode == "trickle") {
    open_bound(n);
    std::vector<std::byte> stub(64, std::byte{1});
    auto request = request_pdu(testing::kEcho, stub, 2, kPfcFirstFrag | kPfcLastFrag, 64);
    request.resize(10);
    for (auto& fd : g_held) (void)send_bytes(fd.get(), request);
    std::printf("trickling=%zu\n", g_held.size());
  } else if (mode == "fill") {
    const std::size_t bytes = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 0;
    open_bound(n);
    std::size_t sent = 0;
    unsigned no_memory = 0, other = 0;
    std::vector<std::byte> chunk(4096, std::byte{0x41});
    for (auto& fd : g_held) {
      std::size_t here = 0;
      std::uint8_t flags = kPfcFirstFrag;
      bool answered = false;
      for (int i = 0; i < 100000 && here < bytes && !answered; ++i) {
        if (!send_bytes(fd.get(), request_pdu(testing::kSum, chunk, 7, flags, 0))) break;
        here += chunk.size();
        flags = 0;
        pollfd p{fd.get(), POLLIN, 0};
        answered = ::poll(&p, 1, 0) > 0;
      }
      sent += here;
      // The server may answer the last fragment it refused: give it a moment to say so.
      if (auto answer = receive_pdu(fd.get(), answered ? 5000 : 200)) {
        auto pdu = decode_pdu(*answer, Limits{});
        auto* fault = pdu.ok() ? std::get_if<FaultPdu>(&*pdu) : nullptr;
        if (fault && fault->status == kNcaFaultRemoteNoMemory) {
          ++no_memory;
        } else {
          ++other;
        }
      }
    }
    std::printf("sent=%zu\nno_memory=%u\nother=%u\n", sent, no_memory, other);
  } else if (mode == "slowread") {
    const std::uint32_t size = argc > 4 ? static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)) : 0;
    open_bound(n);
    std::vector<std::byte> stub(4);
    for (int i = 0; i < 4; ++i) stub[static_cast<std::size_t>(i)] = std::byte{static_cast<std::uint8_t>(size >> (8 * i))};
    for (auto& fd : g_held) {
      int small = 4096;
      (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
      (void)send_bytes(fd.get(), request_pdu(testing::kBigReply, stub, 2, kPfcFirstFrag | kPfcLastFrag, 4));
    }
    std::printf("asked=%zu\n", g_held.size());
  } else if (mode == "drain") {
    const std::uint32_t size = argc > 4 ? static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)) : 0;
    open_bound(1);
    if (g_held.empty()) return 1;
    const int fd = g_held[0].get();
    int small = 4096;
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    std::vector<std::byte> stub(4);
    for (int i = 0; i < 4; ++i) stub[static_cast<std::size_t>(i)] = std::byte{static_cast<std::uint8_t>(size >> (8 * i))};
    (void)send_bytes(fd, request_pdu(testing::kBigReply, stub, 2, kPfcFirstFrag | kPfcLastFrag, 4));
    std::size_t received = 0;
    bool closed = false;
    std::vector<std::byte> buffer(std::max(1u, n));
    for (int i = 0; i < 200 && !closed; ++i) {  // 200 × 100 ms: 20 s at most
      ::usleep(100'000);  // the slow reader's pace, not a synchronisation
      ssize_t got = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got > 0) received += static_cast<std::size_t>(got);
      // The server's close shows as a hang-up at once, even with its bytes still queued for us.
      pollfd p{fd, POLLRDHUP, 0};
      closed = got == 0 || (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP)) != 0);
    }
    std::printf("received=%zu\nclosed=%d\n", received, closed ? 1 : 0);
  } else if (mode == "fifo") {
    const std::string path = argc > 4 ? argv[4] : "";
    if (::mkfifo(path.c_str(), 0600) != 0 && errno != EEXIST) {
      std::printf("error=mkfifo %s\n", std::strerror(errno));
      return 1;
    }
    open_bound(n, identity::ImpersonationLevel::kImpersonate);
    std::vector<std::byte> stub(path.size());
    std::memcpy(stub.data(), path.data(), path.size());
    unsigned sent = 0;
    for (auto& fd : g_held) {
      if (send_bytes(fd.get(), request_pdu(testing::kOpenAs, stub, 2, kPfcFirstFrag | kPfcLastFrag,
                                           static_cast<std::uint32_t>(stub.size())))) {
        ++sent;
      }
    }
    std::printf("sent=%u\n", sent);
    ready();
    hold_until_stdin_closes();
    // Releases every handler still blocked in open(): a writer appears.
    int writer = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (writer >= 0) ::close(writer);
    ::unlink(path.c_str());
    return 0;
  } else if (mode == "signal") {
    const pid_t target = static_cast<pid_t>(n);
    unsigned long eperm = 0, delivered = 0;
    ready();
    for (int round = 0; round < 1'000'000 && stdin_open(1); ++round) {
      for (pid_t tid : threads_of(target)) {
        for (int sig : {SIGSTOP, SIGKILL}) {
          if (::syscall(SYS_tgkill, target, tid, sig) == 0) {
            ++delivered;
          } else if (errno == EPERM) {
            ++eperm;
          }
        }
      }
      if (::kill(target, SIGKILL) == 0) ++delivered;
      else if (errno == EPERM) ++eperm;
    }
    std::printf("eperm=%lu\ndelivered=%lu\n", eperm, delivered);
    std::fflush(stdout);
    return 0;
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  ready();
  hold_until_stdin_closes();
  return 0;
}
