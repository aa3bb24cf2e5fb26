// string_binding.h: DCE string bindings — where a server listens and a client connects.
//
// Form (C706 Appendix "String Bindings"; Windows' RpcStringBindingCompose):
//   [object-uuid@]protseq:[network-address][endpoint[,options]]
// Supported protocol sequences:
//   ncalrpc:[/run/guise/example]   AF_UNIX stream socket at a filesystem path
//   ncalrpc:[@guise-example]       AF_UNIX stream socket in the abstract namespace ('@' = NUL)
//   ncacn_ip_tcp:127.0.0.1[4135]   TCP; port 0 when listening picks a free port
// Options after a comma in a TCP endpoint are ignored; an ncalrpc endpoint is taken whole (paths may
// contain commas). Parsing checks syntax only; it never resolves names. Values: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "guise/guiddef.h"

namespace guise::rpc {

enum class Protseq { kNcalrpc, kNcacnIpTcp };

struct StringBinding {
  Protseq protseq = Protseq::kNcalrpc;
  std::optional<GUID> object;
  std::string network_address;  // "" for ncalrpc
  std::string endpoint;         // path, "@abstract", or decimal port

  static Result<StringBinding> parse(std::string_view text);
  std::string to_string() const;
  bool is_local() const noexcept { return protseq == Protseq::kNcalrpc; }
};

}  // namespace guise::rpc
