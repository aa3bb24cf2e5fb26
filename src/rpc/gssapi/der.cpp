// der.cpp: bounded DER element reading and writing.
#include "rpc/gssapi/der.h"

namespace guise::rpc::der {

Decoded<Element> Reader::next() noexcept {
  const std::size_t start = pos_;
  PduReader r(bytes_.subspan(pos_));
  GUISE_DECODE(std::uint8_t tag, r.u8());
  if ((tag & 0x1f) == 0x1f) return fail(DecodeError::kBadField);  // high tag number form
  GUISE_DECODE(std::uint8_t first, r.u8());
  std::size_t length = first;
  if (first & 0x80) {
    const unsigned octets = first & 0x7f;
    if (octets == 0 || octets > 4) return fail(DecodeError::kBadField);  // indefinite, or absurdly long
    length = 0;
    for (unsigned i = 0; i < octets; ++i) {
      GUISE_DECODE(std::uint8_t b, r.u8());
      length = (length << 8) | b;
    }
  }
  if (length > r.remaining()) return fail(DecodeError::kTruncated);
  const std::size_t header = r.position();
  pos_ = start + header + length;
  return Element{tag, bytes_.subspan(start + header, length), bytes_.subspan(start, header + length)};
}

Decoded<Element> Reader::expect(std::uint8_t tag) noexcept {
  const std::size_t start = pos_;
  GUISE_DECODE(Element e, next());
  if (e.tag != tag) {
    pos_ = start;
    return fail(DecodeError::kBadField);
  }
  return e;
}

Decoded<std::optional<Element>> Reader::optional(std::uint8_t tag) noexcept {
  if (at_end() || std::to_integer<std::uint8_t>(bytes_[pos_]) != tag) return std::optional<Element>();
  GUISE_DECODE(Element e, next());
  return std::optional<Element>(e);
}

Decoded<std::span<const std::byte>> only(std::span<const std::byte> bytes, std::uint8_t tag) noexcept {
  Reader r(bytes);
  GUISE_DECODE(Element e, r.expect(tag));
  if (!r.at_end()) return fail(DecodeError::kTrailingBytes);
  return e.content;
}

void append(std::vector<std::byte>& out, std::uint8_t tag, std::span<const std::byte> content) {
  out.push_back(std::byte{tag});
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(std::byte{static_cast<std::uint8_t>(n)});
  } else {
    unsigned octets = 0;
    for (std::size_t v = n; v != 0; v >>= 8) ++octets;
    out.push_back(std::byte{static_cast<std::uint8_t>(0x80 | octets)});
    for (unsigned i = octets; i-- > 0;) out.push_back(std::byte{static_cast<std::uint8_t>(n >> (8 * i))});
  }
  out.insert(out.end(), content.begin(), content.end());
}

std::vector<std::byte> element(std::uint8_t tag, std::span<const std::byte> content) {
  std::vector<std::byte> out;
  out.reserve(content.size() + 6);
  append(out, tag, content);
  return out;
}

}  // namespace guise::rpc::der
