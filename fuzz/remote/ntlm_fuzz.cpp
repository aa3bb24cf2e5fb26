// Fuzzes what guise itself decodes of NTLM and of signed/sealed PDUs: ntlm::inspect and
// pad_negotiate on peer tokens, and — when the input decodes as a request with a verifier — the
// slicing into header/body/trailer the server does and NTLM verification over it (which must refuse
// anything it did not sign), plus the local users table parser.
#include <cstddef>
#include <cstdint>
#include <span>

#include "rpc/gssapi/ntlm_message.h"
#include "rpc/gssapi/ntlm_sealing.h"
#include "rpc/gssapi/principal_mapping.h"
#include "rpc/pdu.h"

using namespace guise::rpc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto info = ntlm::inspect(bytes);
  auto padded = ntlm::pad_negotiate(bytes);
  if (info.ok() && info->type == ntlm::MessageType::kNegotiate && !ntlm::inspect(padded).ok()) __builtin_trap();

  auto pdu = decode_pdu(bytes, Limits{});
  if (pdu.ok()) {
    if (auto* request = std::get_if<RequestPdu>(&*pdu); request && request->auth) {
      std::vector<std::byte> copy(bytes.begin(), bytes.end());
      const std::size_t header_size = kRequestHeaderSize + (request->object ? kObjectUuidSize : 0);
      const std::size_t body_at = static_cast<std::size_t>(request->stub.data() - bytes.data());
      const std::size_t body_size = request->stub.size() + request->auth->auth_pad_length;
      if (body_at < header_size || body_at + body_size + kSecTrailerSize > copy.size()) __builtin_trap();
      ProtectedPdu parts{std::span<const std::byte>(copy.data() + body_at - header_size, header_size),
                         std::span<std::byte>(copy.data() + body_at, body_size),
                         std::span<const std::byte>(copy.data() + body_at + body_size, kSecTrailerSize), false};
      std::byte key[16] = {};
      auto sealing = ntlm::Sealing::create(key, ntlm::kNegotiateExtendedSessionSecurity | ntlm::kNegotiate128 |
                                                    ntlm::kNegotiateKeyExchange,
                                           ntlm::Sealing::Role::kServer);
      if (sealing.ok()) (void)sealing->unprotect(parts, request->auth->auth_value, request->auth->auth_level == 6);
    }
  }
  (void)guise::rpc::gssapi::LocalUsers::parse(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
