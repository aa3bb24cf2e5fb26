// string_binding.cpp: parsing and composing string bindings.
#include "rpc/string_binding.h"

#include <charconv>

#include "base/guid_string.h"

namespace guise::rpc {

Result<StringBinding> StringBinding::parse(std::string_view text) {
  StringBinding b;
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return invalid_input("string binding without ':': " + std::string(text));
  std::string_view head = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (auto at = head.find('@'); at != std::string_view::npos) {
    auto object = parse_guid(head.substr(0, at));
    if (!object) return invalid_input("bad object UUID in string binding: " + std::string(text));
    b.object = *object;
    head = head.substr(at + 1);
  }
  if (head == "ncalrpc") {
    b.protseq = Protseq::kNcalrpc;
  } else if (head == "ncacn_ip_tcp") {
    b.protseq = Protseq::kNcacnIpTcp;
  } else {
    return invalid_input("unsupported protocol sequence '" + std::string(head) + "'");
  }
  auto open = rest.find('[');
  if (open == std::string_view::npos || rest.empty() || rest.back() != ']') {
    return invalid_input("string binding needs an endpoint in brackets: " + std::string(text));
  }
  b.network_address = std::string(rest.substr(0, open));
  std::string_view endpoint = rest.substr(open + 1, rest.size() - open - 2);
  if (b.protseq == Protseq::kNcalrpc) {
    if (!b.network_address.empty()) return invalid_input("ncalrpc takes no network address");
    if (endpoint.empty() || (endpoint[0] != '/' && endpoint[0] != '@')) {
      return invalid_input("ncalrpc endpoint must be an absolute path or @abstract-name");
    }
  } else {
    if (auto comma = endpoint.find(','); comma != std::string_view::npos) endpoint = endpoint.substr(0, comma);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(endpoint.data(), endpoint.data() + endpoint.size(), port);
    if (ec != std::errc() || end != endpoint.data() + endpoint.size() || port > 65535) {
      return invalid_input("ncacn_ip_tcp endpoint must be a port number: " + std::string(text));
    }
    if (b.network_address.empty()) b.network_address = "127.0.0.1";
  }
  b.endpoint = std::string(endpoint);
  return b;
}

std::string StringBinding::to_string() const {
  std::string out;
  if (object) out = format_guid(*object) + "@";
  out += protseq == Protseq::kNcalrpc ? "ncalrpc:" : "ncacn_ip_tcp:";
  out += network_address + "[" + endpoint + "]";
  return out;
}

}  // namespace guise::rpc
