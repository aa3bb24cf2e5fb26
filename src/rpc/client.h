// client.h: making DCE/RPC calls — binding, auth info, synchronous calls, timeouts, cancel.
//
// A Client is created from a string binding ("ncalrpc:[/run/guise/example]",
// "ncacn_ip_tcp:127.0.0.1[4135]") and the auth info the caller grants the server (authentication
// level, impersonation level, capabilities — the RpcBindingSetAuthInfo analogue). call() sends one
// request and waits for its response or fault.
//
// Identity: over ncalrpc the server learns who calls from the kernel, which records the credentials
// of the thread that *opened the connection*. So connections come from a pool keyed by (endpoint,
// auth info, the identity the calling thread presents now: effective uid, gid and groups). A thread
// that currently impersonates someone gets a connection opened while it carried that identity — the
// basis of cloaking (spec R56) — and a connection attested for one identity is never used for another.
//
// Failures: a server fault → the Status the fault maps to (fault_status.h); no response within the
// timeout → kDeadlineExceeded (RPC_E_TIMEOUT); cancelled → kCancelled (RPC_E_CALL_CANCELED); peer gone
// → kUnavailable (RPC_E_DISCONNECTED). A broken connection is discarded, never reused; a pooled
// connection the server has closed is detected before use and replaced (recovery from a broken
// association), and a request that could not be sent at all is retried once on a new connection.
// Thread-safety: a Client may be used from many threads at once; each call has its own connection.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "identity/impersonation_level.h"
#include "rpc/cancel_token.h"
#include "rpc/client_security.h"
#include "rpc/interface_registry.h"
#include "rpc/limits.h"
#include "rpc/string_binding.h"
#include "rpc/wire_constants.h"

namespace guise::rpc {

struct AuthInfo {
  AuthnLevel level = AuthnLevel::kNone;  // kNone: no verifier, the server sees an unauthenticated call
  identity::ImpersonationLevel imp_level = identity::ImpersonationLevel::kIdentify;
  std::uint32_t capabilities = 0;  // EOAC_*

  static AuthInfo none() { return {}; }
  static AuthInfo local(AuthnLevel level, identity::ImpersonationLevel imp, std::uint32_t caps = 0) {
    return {level, imp, caps};
  }
  friend bool operator==(const AuthInfo&, const AuthInfo&) = default;
};

// How a call finds out which identity the calling thread presents (the pool key).
enum class IdentityCheck {
  // Ask the kernel on every call (geteuid, getegid, getgroups: 3 syscalls). Always right, even after
  // the process changed its own ids.
  kEveryCall,
  // Trust guise's own record: the thread's identity::thread_token() while it impersonates, else the
  // process ids read once. For processes that never change their ids outside guise (saves ~3 µs a
  // call on a VM where a syscall costs ~1.3 µs; docs/performance.md).
  kGuiseTracked,
};

struct ClientOptions {
  Limits limits;
  IdentityCheck identity_check = IdentityCheck::kEveryCall;
  // Per-call default; zero means wait for ever (Windows' default for ncalrpc).
  std::chrono::milliseconds call_timeout{0};
  std::size_t max_idle_connections_per_key = 4;
  // Makes the security provider of each new connection for authenticated levels. Empty: the local
  // provider over ncalrpc; over ncacn_ip_tcp an authenticated level then needs a provider here.
  std::function<std::unique_ptr<ClientSecurityProvider>()> security;
  // Over ncalrpc: every new connection's server must be this uid as the kernel attests it
  // (SO_PEERCRED), else the connection is closed before a byte is sent (kAccessDenied). For endpoints
  // whose owner the caller knows (COM's class directory): an endpoint taken over by another user
  // after its owner died is refused, never trusted. Over ncacn_ip_tcp nothing can be attested, so
  // every connection is refused.
  std::optional<uid_t> expected_server_uid;
};

struct CallOptions {
  std::optional<std::chrono::milliseconds> timeout;  // overrides ClientOptions::call_timeout
  const CancelToken* cancel = nullptr;
  std::optional<GUID> object;  // PFC_OBJECT_UUID (ORPC puts the IPID here); else the binding's object
};

class ConnectionPool;
class Client;

// A call whose request has been sent and whose reply is still to be read: call() in two halves, for a
// thread that must keep working while it waits. An STA sends its request with Client::begin_call, then
// waits in its modal loop on wait_fd() together with its apartment's queue (serving incoming calls
// meanwhile), and calls try_finish whenever wait_fd() is readable, until the reply is complete.
// The call keeps its connection (chosen, like call()'s, by the identity the thread presented at
// begin_call) until it is over, then returns it to the pool. Destroying an unfinished PendingCall
// abandons the call (orphaned PDU; the connection is closed, never reused). Move-only; one thread at a
// time.
class PendingCall {
 public:
  PendingCall(PendingCall&&) noexcept;
  PendingCall& operator=(PendingCall&&) noexcept;
  ~PendingCall();

  // Readable when more of the reply may have arrived, or the server closed the connection.
  int wait_fd() const noexcept;
  // Reads what has arrived, never blocking. true: the reply is complete and has replaced `out`'s
  // contents (pass the same vector each time). false: wait on wait_fd() again. Errors as Client::call
  // (a fault's Status, kUnavailable when the server went away); after true or an error the call is over.
  Result<bool> try_finish(std::vector<std::byte>& out);
  // Blocks until the reply arrives, within the call's timeout and cancel token (CallOptions).
  [[nodiscard]] Status finish(std::vector<std::byte>& out);
  // Gives up the call: co_cancel first when `cancel`, then orphaned (C706 §12.5.3, MS-RPCE §3.3.1.5.10).
  void abandon(bool cancel) noexcept;
  // Asks the server to stop (co_cancel, C706 §12.5.3.3) and keeps waiting for its reply, which may
  // still be the method's normal outcome. Best effort, never blocking; the connection is closed after
  // the call, not reused.
  void request_cancel() noexcept;
  bool done() const noexcept;
  // When the call times out (CallOptions::timeout or ClientOptions::call_timeout); none: never.
  std::optional<std::chrono::steady_clock::time_point> deadline() const noexcept;
  // The call's cancel token, if any: a waiting loop polls its fd() too.
  const CancelToken* cancel_token() const noexcept;

 private:
  friend class Client;
  struct State;
  explicit PendingCall(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

class Client {
 public:
  // Parses the binding; connects lazily on the first call. kInvalidInput for a bad binding;
  // kUnimplemented for an authenticated level over ncacn_ip_tcp without ClientOptions::security.
  static Result<Client> create(std::string_view string_binding, AuthInfo auth = {}, ClientOptions options = {});

  // One call; the reply stub replaces `out`'s contents (its capacity is reused).
  [[nodiscard]] Status call(const InterfaceId& iface, std::uint16_t opnum, std::span<const std::byte> in,
                            std::vector<std::byte>& out, const CallOptions& options = {}) const;
  Result<std::vector<std::byte>> call(const InterfaceId& iface, std::uint16_t opnum, std::span<const std::byte> in,
                                      const CallOptions& options = {}) const;
  // The first half of call(): binds if needed and sends the request; the reply is read through the
  // PendingCall. Errors (bad binding, server unreachable, bind refused) as call(); a request that
  // could not leave at all is retried once on a new connection, as call() does.
  Result<PendingCall> begin_call(const InterfaceId& iface, std::uint16_t opnum, std::span<const std::byte> in,
                                 const CallOptions& options = {}) const;

  const StringBinding& binding() const noexcept { return binding_; }
  const AuthInfo& auth() const noexcept { return auth_; }
  // Connections idle in this client's pool (for tests and diagnostics).
  std::size_t idle_connections() const;

 private:
  Client(StringBinding binding, AuthInfo auth, ClientOptions options);
  StringBinding binding_;
  std::string endpoint_key_;
  AuthInfo auth_;
  ClientOptions options_;
  std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace guise::rpc
