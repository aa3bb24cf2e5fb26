#include "com/dual_string_array.h"

#include <unistd.h>

#include <array>
#include <limits>

#include "com/objref_error.h"

namespace guise::com {
namespace {

void append_text(std::vector<std::uint16_t>& out, const std::u16string& text) {
  for (char16_t c : text) out.push_back(static_cast<std::uint16_t>(c));
  out.push_back(0);
}

// Reads a NUL-terminated run of units from words[pos, end); advances pos past the NUL.
Result<std::u16string> read_text(std::span<const std::uint16_t> words, std::size_t& pos, std::size_t end,
                                 const ComLimits& limits) {
  std::u16string text;
  while (pos < end) {
    const std::uint16_t unit = words[pos++];
    if (unit == 0) return text;
    if (text.size() >= limits.max_binding_chars) return objref_error_status(ObjrefError::kTooManyBindings, pos * 2);
    text.push_back(static_cast<char16_t>(unit));
  }
  return objref_error_status(ObjrefError::kUnterminatedBinding, pos * 2);
}

std::u16string ascii_to_u16(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(static_cast<char16_t>(static_cast<unsigned char>(c)));
  return out;
}

// Printable ASCII only: anything else is not an address guise can connect to.
std::optional<std::string> u16_to_ascii(std::u16string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char16_t c : text) {
    if (c < 0x21 || c > 0x7E) return std::nullopt;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

// "host[endpoint]" → (host, endpoint); "host" → (host, nullopt).
std::optional<std::pair<std::string, std::optional<std::string>>> split_address(std::string_view text) {
  const auto open = text.find('[');
  if (open == std::string_view::npos) return std::pair{std::string(text), std::optional<std::string>()};
  if (text.back() != ']' || open + 1 > text.size() - 1) return std::nullopt;
  return std::pair{std::string(text.substr(0, open)),
                   std::optional<std::string>(std::string(text.substr(open + 1, text.size() - open - 2)))};
}

}  // namespace

DualStringArrayWords encode_words(const DualStringArray& dsa) {
  DualStringArrayWords out;
  for (const auto& entry : dsa.strings) {
    out.words.push_back(entry.tower_id);
    append_text(out.words, entry.network_address);
  }
  if (dsa.strings.empty()) out.words.push_back(0);
  out.words.push_back(0);  // nullterm1
  out.security_offset = static_cast<std::uint16_t>(out.words.size());
  for (const auto& entry : dsa.security) {
    out.words.push_back(entry.authn_service);
    out.words.push_back(kSecurityBindingReserved);
    append_text(out.words, entry.principal);
  }
  if (dsa.security.empty()) out.words.push_back(0);
  out.words.push_back(0);  // nullterm2
  return out;
}

Result<DualStringArray> decode_words(std::span<const std::uint16_t> words, std::uint16_t security_offset,
                                     const ComLimits& limits) {
  if (security_offset > words.size()) return objref_error_status(ObjrefError::kBadSecurityOffset, 2);
  DualStringArray dsa;
  std::size_t pos = 0;
  const std::size_t strings_end = security_offset;
  while (pos < strings_end) {
    const std::uint16_t tower = words[pos++];
    if (tower == 0) break;  // nullterm1 (the units after it, up to wSecurityOffset, are padding)
    if (dsa.strings.size() + 1 > limits.max_bindings) return objref_error_status(ObjrefError::kTooManyBindings, pos * 2);
    GUISE_TRY(std::u16string address, read_text(words, pos, strings_end, limits));
    dsa.strings.push_back({tower, std::move(address)});
  }
  pos = security_offset;
  while (pos < words.size()) {
    const std::uint16_t authn = words[pos++];
    if (authn == 0) break;  // nullterm2 (RPC_C_AUTHN_NONE carries no further fields, §2.2.19.4)
    if (dsa.strings.size() + dsa.security.size() + 1 > limits.max_bindings) {
      return objref_error_status(ObjrefError::kTooManyBindings, pos * 2);
    }
    if (pos >= words.size()) return objref_error_status(ObjrefError::kUnterminatedBinding, pos * 2);
    ++pos;  // Reserved: 0xFFFF when sent, ignored on receipt
    GUISE_TRY(std::u16string principal, read_text(words, pos, words.size(), limits));
    dsa.security.push_back({authn, std::move(principal)});
  }
  return dsa;
}

std::size_t encoded_size(const DualStringArray& dsa) { return 4 + encode_words(dsa).words.size() * 2; }

void append_bytes(std::vector<std::byte>& out, const DualStringArray& dsa) {
  const DualStringArrayWords encoded = encode_words(dsa);
  auto put16 = [&out](std::uint16_t v) {
    out.push_back(static_cast<std::byte>(v & 0xFF));
    out.push_back(static_cast<std::byte>(v >> 8));
  };
  put16(static_cast<std::uint16_t>(encoded.words.size()));
  put16(encoded.security_offset);
  for (std::uint16_t w : encoded.words) put16(w);
}

Result<DualStringArray> read_bytes(std::span<const std::byte> bytes, std::size_t& offset, const ComLimits& limits) {
  auto load16 = [&bytes](std::size_t at) {
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(bytes[at]) |
                                      (std::to_integer<unsigned>(bytes[at + 1]) << 8));
  };
  if (offset > bytes.size() || bytes.size() - offset < 4) return objref_error_status(ObjrefError::kTruncated, offset);
  const std::uint16_t count = load16(offset);
  const std::uint16_t security_offset = load16(offset + 2);
  const std::size_t start = offset + 4;
  if (std::size_t{count} * 2 > bytes.size() - start) return objref_error_status(ObjrefError::kTruncated, start);
  std::vector<std::uint16_t> words(count);
  for (std::size_t i = 0; i < count; ++i) words[i] = load16(start + 2 * i);
  auto decoded = decode_words(words, security_offset, limits);
  if (!decoded.ok()) {
    // Re-anchor the offset on the whole buffer for the log line.
    return Status(decoded.status().code(), decoded.status().message() + " (array at byte " + std::to_string(start) + ")",
                  decoded.status().hresult());
  }
  offset = start + std::size_t{count} * 2;
  return decoded;
}

StringBindingEntry to_entry(const rpc::StringBinding& binding, std::string_view hostname) {
  if (binding.protseq == rpc::Protseq::kNcacnIpTcp) {
    return {kTowerNcacnIpTcp, ascii_to_u16(binding.network_address + "[" + binding.endpoint + "]")};
  }
  return {kTowerNcalrpc, ascii_to_u16(std::string(hostname) + "[" + binding.endpoint + "]")};
}

std::optional<rpc::StringBinding> to_binding(const StringBindingEntry& entry, std::string_view local_hostname) {
  if (entry.tower_id != kTowerNcacnIpTcp && entry.tower_id != kTowerNcalrpc) return std::nullopt;
  auto text = u16_to_ascii(entry.network_address);
  if (!text || text->empty()) return std::nullopt;
  auto parts = split_address(*text);
  if (!parts || parts->first.empty()) return std::nullopt;
  auto& [host, endpoint] = *parts;
  std::string binding_text;
  if (entry.tower_id == kTowerNcacnIpTcp) {
    binding_text = "ncacn_ip_tcp:" + host + "[" + endpoint.value_or("135") + "]";
  } else {
    if (host != local_hostname || !endpoint || endpoint->empty()) return std::nullopt;
    binding_text = "ncalrpc:[" + *endpoint + "]";
  }
  auto parsed = rpc::StringBinding::parse(binding_text);
  if (!parsed.ok() || parsed->object) return std::nullopt;
  return std::move(parsed).value();
}

const std::string& local_hostname() {
  static const std::string name = [] {
    std::array<char, 256> buf{};
    if (::gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') return std::string("localhost");
    return std::string(buf.data());
  }();
  return name;
}

}  // namespace guise::com
