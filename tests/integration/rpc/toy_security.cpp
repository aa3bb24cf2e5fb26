#include "integration/rpc/toy_security.h"

#include "rpc/client.h"
#include "rpc/pdu_reader.h"
#include "rpc/pdu_writer.h"

namespace guise::rpc::testing {
namespace {

constexpr std::uint32_t kNonce = 0x1234abcd;

std::uint32_t checksum(std::span<const std::byte> bytes) {
  std::uint32_t sum = 0;
  for (auto b : bytes) sum = sum * 31 + std::to_integer<std::uint32_t>(b);
  return sum;
}

void xor_seal(std::span<std::byte> bytes) {
  for (auto& b : bytes) b ^= std::byte{0x5a};
}

std::vector<std::byte> u32_bytes(std::uint32_t v) {
  std::vector<std::byte> out;
  PduWriter w(out);
  w.u32(v);
  return out;
}

Status check(std::uint32_t& expected_seq, std::span<std::byte> stub, std::span<const std::byte> auth_value,
             bool sealed) {
  PduReader r(auth_value);
  auto seq = r.u32();
  auto sum = r.u32();
  if (!seq.ok() || !sum.ok() || !r.at_end()) return invalid_input("toy verifier malformed");
  if (*seq != expected_seq++) return access_denied("toy verifier: sequence number out of order");
  if (sealed) xor_seal(stub);
  if (*sum != checksum(stub)) return access_denied("toy verifier: checksum mismatch");
  return Status::Ok();
}

std::vector<std::byte> sign(std::uint32_t& seq, std::span<std::byte> stub, bool seal) {
  auto out = toy_verifier(seq++, stub);
  if (seal) xor_seal(stub);
  return out;
}

struct ToyState : ProviderState {
  bool complete = false;
  std::uint32_t recv_seq = 0;
  std::uint32_t send_seq = 0;
};

class ToyServer final : public ServerSecurityProvider {
 public:
  std::uint8_t auth_type() const noexcept override { return kToyAuthType; }
  Result<Accepted> accept(const AuthVerifier& v, const TransportPeer& peer) override {
    if (v.auth_value != std::vector<std::byte>{std::byte{'H'}, std::byte{'E'}, std::byte{'L'}, std::byte{'L'},
                                               std::byte{'O'}} ||
        v.auth_level < 2 || v.auth_level > 6) {
      return invalid_input("toy: bad first leg");
    }
    Accepted a;
    a.context.auth_type = kToyAuthType;
    a.context.auth_context_id = v.auth_context_id;
    a.context.level = static_cast<AuthnLevel>(v.auth_level);
    a.context.imp_level = identity::ImpersonationLevel::kIdentify;
    if (peer.credentials) a.context.caller = identity::Token::from_peer(*peer.credentials, a.context.imp_level);
    a.context.state = std::make_shared<ToyState>();
    a.reply = AuthVerifier{kToyAuthType, v.auth_level, 0, 0, v.auth_context_id, u32_bytes(kNonce)};
    return a;
  }
  Result<std::optional<AuthVerifier>> continue_auth(SecurityContext& c, const AuthVerifier& v) override {
    if (v.auth_value != u32_bytes(kNonce + 1)) return access_denied("toy: bad third leg");
    static_cast<ToyState&>(*c.state).complete = true;
    return std::optional<AuthVerifier>();
  }
  bool protects_pdus(const SecurityContext& c) const noexcept override { return c.level >= AuthnLevel::kPktIntegrity; }
  std::size_t verifier_size(const SecurityContext&) const noexcept override { return 8; }
  Status unprotect_request(SecurityContext& c, const ProtectedPdu& pdu, std::span<const std::byte> value) override {
    auto& state = static_cast<ToyState&>(*c.state);
    if (!state.complete) return access_denied("toy: request before auth3");
    return check(state.recv_seq, pdu.body, value, c.level == AuthnLevel::kPktPrivacy);
  }
  Result<std::vector<std::byte>> protect_response(SecurityContext& c, const ProtectedPdu& pdu) override {
    auto& state = static_cast<ToyState&>(*c.state);
    return sign(state.send_seq, pdu.body, c.level == AuthnLevel::kPktPrivacy);
  }
};

class ToyClient final : public ClientSecurityProvider {
 public:
  std::uint8_t auth_type() const noexcept override { return kToyAuthType; }
  Result<AuthVerifier> first_leg(const AuthInfo& auth, std::uint32_t id) override {
    level_ = auth.level;
    return AuthVerifier{kToyAuthType, static_cast<std::uint8_t>(auth.level), 0, 0, id,
                        {std::byte{'H'}, std::byte{'E'}, std::byte{'L'}, std::byte{'L'}, std::byte{'O'}}};
  }
  Result<std::optional<AuthVerifier>> second_leg(const AuthInfo& auth, const AuthVerifier& answer) override {
    if (answer.auth_value != u32_bytes(kNonce)) return access_denied("toy: bad second leg");
    return std::optional<AuthVerifier>(
        AuthVerifier{kToyAuthType, static_cast<std::uint8_t>(auth.level), 0, 0, 0, u32_bytes(kNonce + 1)});
  }
  bool protects_pdus() const noexcept override { return level_ >= AuthnLevel::kPktIntegrity; }
  std::size_t verifier_size() const noexcept override { return 8; }
  Result<std::vector<std::byte>> protect_request(const ProtectedPdu& pdu) override {
    return sign(send_seq_, pdu.body, level_ == AuthnLevel::kPktPrivacy);
  }
  Status unprotect_response(const ProtectedPdu& pdu, std::span<const std::byte> value) override {
    return check(recv_seq_, pdu.body, value, level_ == AuthnLevel::kPktPrivacy);
  }

 private:
  AuthnLevel level_ = AuthnLevel::kNone;
  std::uint32_t send_seq_ = 0;
  std::uint32_t recv_seq_ = 0;
};

}  // namespace

std::vector<std::byte> toy_verifier(std::uint32_t seq, std::span<const std::byte> stub) {
  std::vector<std::byte> out;
  PduWriter w(out);
  w.u32(seq);
  w.u32(checksum(stub));
  return out;
}

std::unique_ptr<ServerSecurityProvider> make_toy_server_provider() { return std::make_unique<ToyServer>(); }
std::unique_ptr<ClientSecurityProvider> make_toy_client_provider() { return std::make_unique<ToyClient>(); }

}  // namespace guise::rpc::testing
