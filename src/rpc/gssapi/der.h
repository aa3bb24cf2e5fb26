// der.h: the few ASN.1 DER pieces SPNEGO (RFC 4178) and GSS-API framing (RFC 2743 §3.1) need.
//
// der::Reader walks a run of TLV elements from a peer, forward only. Every element is checked before
// it is handed out: a one-octet tag (low tag numbers only; the SPNEGO grammar uses no others), a
// definite length in at most four octets, and content that lies entirely inside the bytes left —
// sizes are compared, never pointers advanced past the end. No recursion: callers descend one known
// level at a time, so depth is bounded by the grammar they follow. The writer appends an element
// with the shortest length form (DER). Pure functions and a cursor over borrowed bytes: one thread
// at a time, and the bytes must outlive the reader and the spans it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rpc/pdu_reader.h"

namespace guise::rpc::der {

// Tags SPNEGO uses (X.690 §8): universal types and context-specific constructed [0]..[3].
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kEnumerated = 0x0a;
inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kApplication0 = 0x60;  // GSS-API InitialContextToken (RFC 2743 §3.1)
inline constexpr std::uint8_t context(unsigned n) { return static_cast<std::uint8_t>(0xa0 + n); }

struct Element {
  std::uint8_t tag = 0;
  std::span<const std::byte> content;  // the value octets
  std::span<const std::byte> encoded;  // tag, length and value, as received
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) noexcept : bytes_(bytes) {}
  bool at_end() const noexcept { return pos_ == bytes_.size(); }
  // The bytes not read yet.
  std::span<const std::byte> rest() const noexcept { return bytes_.subspan(pos_); }
  // The next element, whatever its tag.
  Decoded<Element> next() noexcept;
  // The next element, which must carry `tag` (kBadField otherwise).
  Decoded<Element> expect(std::uint8_t tag) noexcept;
  // The next element if it carries `tag`; nothing (and nothing consumed) otherwise or at the end.
  Decoded<std::optional<Element>> optional(std::uint8_t tag) noexcept;

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
};

// `bytes` must be exactly one element with `tag` (nothing after it): its content.
Decoded<std::span<const std::byte>> only(std::span<const std::byte> bytes, std::uint8_t tag) noexcept;

// Appends tag, DER length and `content` to `out`.
void append(std::vector<std::byte>& out, std::uint8_t tag, std::span<const std::byte> content);
// One element as a new vector.
std::vector<std::byte> element(std::uint8_t tag, std::span<const std::byte> content);

}  // namespace guise::rpc::der
