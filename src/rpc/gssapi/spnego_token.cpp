// spnego_token.cpp: negTokenInit / negTokenResp decoding and encoding, Kerberos AP-REQ unframing.
#include "rpc/gssapi/spnego_token.h"

#include <algorithm>
#include <array>

namespace guise::rpc::spnego {
namespace {

template <std::size_t N>
constexpr std::array<std::byte, N> octets(const unsigned char (&v)[N]) {
  std::array<std::byte, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = std::byte{v[i]};
  return out;
}

constexpr unsigned char kSpnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
constexpr unsigned char kKerberos[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
constexpr unsigned char kKerberosMs[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
constexpr unsigned char kNtlmssp[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
constexpr auto kSpnegoOctets = octets(kSpnego);
constexpr auto kKerberosOctets = octets(kKerberos);
constexpr auto kKerberosMsOctets = octets(kKerberosMs);
constexpr auto kNtlmsspOctets = octets(kNtlmssp);

constexpr std::uint8_t kApplication14 = 0x6e;  // Kerberos AP-REQ (RFC 4120 §5.5.1)
constexpr std::byte kTokIdApReq[2] = {std::byte{0x01}, std::byte{0x00}};  // RFC 4121 §4.1

bool same(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  return std::ranges::equal(a, b);
}

// [n] EXPLICIT OCTET STRING, if present.
Decoded<std::optional<std::span<const std::byte>>> optional_octets(der::Reader& r, unsigned n) noexcept {
  GUISE_DECODE(std::optional<der::Element> field, r.optional(der::context(n)));
  if (!field) return std::optional<std::span<const std::byte>>();
  GUISE_DECODE(std::span<const std::byte> value, der::only(field->content, der::kOctetString));
  return std::optional<std::span<const std::byte>>(value);
}

}  // namespace

const std::span<const std::byte> kOidSpnego(kSpnegoOctets);
const std::span<const std::byte> kOidKerberos(kKerberosOctets);
const std::span<const std::byte> kOidKerberosMicrosoft(kKerberosMsOctets);
const std::span<const std::byte> kOidNtlmssp(kNtlmsspOctets);

bool is_kerberos(std::span<const std::byte> oid) noexcept {
  return same(oid, kOidKerberos) || same(oid, kOidKerberosMicrosoft);
}

Decoded<NegTokenInit> parse_init(std::span<const std::byte> token) noexcept {
  GUISE_DECODE(std::span<const std::byte> framed, der::only(token, der::kApplication0));
  der::Reader frame(framed);
  GUISE_DECODE(der::Element mech, frame.expect(der::kOid));
  if (!same(mech.content, kOidSpnego)) return fail(DecodeError::kBadField);
  GUISE_DECODE(std::span<const std::byte> init, der::only(frame.rest(), der::context(0)));
  GUISE_DECODE(std::span<const std::byte> fields, der::only(init, der::kSequence));
  der::Reader r(fields);
  NegTokenInit out;
  GUISE_DECODE(der::Element types_field, r.expect(der::context(0)));
  der::Reader types_reader(types_field.content);
  GUISE_DECODE(der::Element types, types_reader.expect(der::kSequence));
  if (!types_reader.at_end()) return fail(DecodeError::kTrailingBytes);
  out.mech_types_der = types.encoded;
  for (der::Reader list(types.content); !list.at_end();) {
    if (out.mech_types.size() == kMaxMechTypes) return fail(DecodeError::kBadCount);
    GUISE_DECODE(der::Element oid, list.expect(der::kOid));
    out.mech_types.push_back(oid.content);
  }
  if (out.mech_types.empty()) return fail(DecodeError::kBadCount);
  GUISE_DECODE(std::optional<der::Element> req_flags, r.optional(der::context(1)));
  if (req_flags) GUISE_DECODE_CHECK(der::only(req_flags->content, der::kBitString));
  GUISE_DECODE(out.mech_token, optional_octets(r, 2));
  GUISE_DECODE(out.mech_list_mic, optional_octets(r, 3));
  if (!r.at_end()) return fail(DecodeError::kTrailingBytes);
  return out;
}

Decoded<NegTokenResp> parse_resp(std::span<const std::byte> token) noexcept {
  GUISE_DECODE(std::span<const std::byte> resp, der::only(token, der::context(1)));
  GUISE_DECODE(std::span<const std::byte> fields, der::only(resp, der::kSequence));
  der::Reader r(fields);
  NegTokenResp out;
  GUISE_DECODE(std::optional<der::Element> state, r.optional(der::context(0)));
  if (state) {
    GUISE_DECODE(std::span<const std::byte> value, der::only(state->content, der::kEnumerated));
    if (value.size() != 1 || std::to_integer<unsigned>(value[0]) > 3) return fail(DecodeError::kBadField);
    out.neg_state = static_cast<NegState>(std::to_integer<std::uint8_t>(value[0]));
  }
  GUISE_DECODE(std::optional<der::Element> mech, r.optional(der::context(1)));
  if (mech) {
    GUISE_DECODE(std::span<const std::byte> oid, der::only(mech->content, der::kOid));
    out.supported_mech = oid;
  }
  GUISE_DECODE(out.response_token, optional_octets(r, 2));
  GUISE_DECODE(out.mech_list_mic, optional_octets(r, 3));
  if (!r.at_end()) return fail(DecodeError::kTrailingBytes);
  return out;
}

Decoded<std::span<const std::byte>> dce_style_ap_req(std::span<const std::byte> token) noexcept {
  if (token.empty()) return fail(DecodeError::kTruncated);
  const std::uint8_t first = std::to_integer<std::uint8_t>(token[0]);
  if (first == kApplication14) {
    GUISE_DECODE_CHECK(der::only(token, kApplication14));
    return token;
  }
  GUISE_DECODE(std::span<const std::byte> framed, der::only(token, der::kApplication0));
  der::Reader r(framed);
  GUISE_DECODE(der::Element mech, r.expect(der::kOid));
  if (!is_kerberos(mech.content)) return fail(DecodeError::kBadField);
  std::span<const std::byte> rest = r.rest();
  if (rest.size() < 2 || !same(rest.first(2), kTokIdApReq)) return fail(DecodeError::kBadField);
  std::span<const std::byte> ap_req = rest.subspan(2);
  GUISE_DECODE_CHECK(der::only(ap_req, kApplication14));
  return ap_req;
}

std::vector<std::byte> encode_resp(const RespFields& fields) {
  std::vector<std::byte> seq;
  if (fields.neg_state) {
    const std::byte state[] = {std::byte{static_cast<std::uint8_t>(*fields.neg_state)}};
    der::append(seq, der::context(0), der::element(der::kEnumerated, state));
  }
  if (!fields.supported_mech.empty()) {
    der::append(seq, der::context(1), der::element(der::kOid, fields.supported_mech));
  }
  if (!fields.response_token.empty()) {
    der::append(seq, der::context(2), der::element(der::kOctetString, fields.response_token));
  }
  if (!fields.mech_list_mic.empty()) {
    der::append(seq, der::context(3), der::element(der::kOctetString, fields.mech_list_mic));
  }
  return der::element(der::context(1), der::element(der::kSequence, seq));
}

std::vector<std::byte> encode_init(std::span<const std::span<const std::byte>> mech_types,
                                   std::span<const std::byte> mech_token, std::span<const std::byte> mech_list_mic) {
  std::vector<std::byte> list;
  for (auto oid : mech_types) der::append(list, der::kOid, oid);
  std::vector<std::byte> seq;
  der::append(seq, der::context(0), der::element(der::kSequence, list));
  if (!mech_token.empty()) der::append(seq, der::context(2), der::element(der::kOctetString, mech_token));
  if (!mech_list_mic.empty()) der::append(seq, der::context(3), der::element(der::kOctetString, mech_list_mic));
  std::vector<std::byte> framed = der::element(der::kOid, kOidSpnego);
  der::append(framed, der::context(0), der::element(der::kSequence, seq));
  return der::element(der::kApplication0, framed);
}

}  // namespace guise::rpc::spnego
