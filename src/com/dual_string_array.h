// dual_string_array.h: DUALSTRINGARRAY (MS-DCOM §2.2.19), where an exporter or resolver listens.
//
// A DUALSTRINGARRAY is one array of 16-bit units: STRINGBINDINGs {wTowerId, aNetworkAddr NUL} up to a
// zero unit, then from wSecurityOffset SECURITYBINDINGs {wAuthnSvc, 0xFFFF, aPrincName NUL} up to a
// zero unit. An empty section is written as two zero units (the smallest array is 4 zeros with
// wSecurityOffset 2, §2.2.19.1). It travels as bytes inside an OBJREF (little-endian) and as an NDR
// conformant structure in IObjectExporter replies; both forms decode through the same checks, bounded
// by ComLimits. guise's string bindings map to towers as Windows' endpoint mapper numbers them:
//   ncacn_ip_tcp:127.0.0.1[4135]   ↔ tower 0x07, "127.0.0.1[4135]" (no [port] means 135, §2.2.19.3)
//   ncalrpc:[@guise-com-…]         ↔ tower 0x10, "<hostname>[@guise-com-…]"
// An ncalrpc tower names the host it lives on, so a client on another machine skips it.
// Values; pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "com/limits.h"
#include "rpc/string_binding.h"

namespace guise::com {

inline constexpr std::uint16_t kTowerNcacnIpTcp = 0x0007;
inline constexpr std::uint16_t kTowerNcalrpc = 0x0010;
inline constexpr std::uint16_t kSecurityBindingReserved = 0xFFFF;

struct StringBindingEntry {
  std::uint16_t tower_id = 0;
  std::u16string network_address;
  friend bool operator==(const StringBindingEntry&, const StringBindingEntry&) = default;
};

struct SecurityBindingEntry {
  std::uint16_t authn_service = 0;
  std::u16string principal;
  friend bool operator==(const SecurityBindingEntry&, const SecurityBindingEntry&) = default;
};

struct DualStringArray {
  std::vector<StringBindingEntry> strings;
  std::vector<SecurityBindingEntry> security;
  friend bool operator==(const DualStringArray&, const DualStringArray&) = default;
};

// The aStringArray units and wSecurityOffset of `dsa`.
struct DualStringArrayWords {
  std::vector<std::uint16_t> words;
  std::uint16_t security_offset = 0;
};
DualStringArrayWords encode_words(const DualStringArray& dsa);

// Decodes aStringArray (`words`, wNumEntries = words.size()) with `security_offset`.
// Errors are objref_error_status() values; offsets are byte offsets into `words`.
[[nodiscard]] Result<DualStringArray> decode_words(std::span<const std::uint16_t> words,
                                                   std::uint16_t security_offset, const ComLimits& limits);

// The byte form (wNumEntries, wSecurityOffset, units; little-endian) appended to `out`.
void append_bytes(std::vector<std::byte>& out, const DualStringArray& dsa);
std::size_t encoded_size(const DualStringArray& dsa);
// Reads the byte form starting at bytes[offset]; advances offset past it.
[[nodiscard]] Result<DualStringArray> read_bytes(std::span<const std::byte> bytes, std::size_t& offset,
                                                 const ComLimits& limits);

// The tower entry for a binding guise listens on (`hostname` names this machine for ncalrpc).
StringBindingEntry to_entry(const rpc::StringBinding& binding, std::string_view hostname);
// The binding to connect to for `entry`, or nullopt when guise cannot use it here: another tower,
// non-ASCII text, a malformed address, or an ncalrpc tower of another host.
std::optional<rpc::StringBinding> to_binding(const StringBindingEntry& entry, std::string_view local_hostname);

// This machine's name as ncalrpc towers carry it (gethostname, read once).
const std::string& local_hostname();

}  // namespace guise::com
