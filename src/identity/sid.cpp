#include "identity/sid.h"

#include <charconv>
#include <fmt/format.h>

#include "base/assert.h"

namespace guise::identity {
namespace {
constexpr std::uint64_t kMaxAuthority = 0xFFFFFFFFFFFFull;  // 48 bits

template <class Int>
bool parse_number(std::string_view text, Int& out) noexcept {
  if (text.empty()) return false;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return error == std::errc() && end == text.data() + text.size();
}
}  // namespace

Sid::Sid(std::uint64_t authority, std::initializer_list<std::uint32_t> sub_authorities)
    : authority_(authority) {
  GUISE_ASSERT(sub_authorities.size() <= kMaxSubAuthorities, "a SID has at most 15 sub-authorities");
  GUISE_ASSERT(authority <= kMaxAuthority, "SID authority is 48 bits");
  for (std::uint32_t s : sub_authorities) subs_[count_++] = s;
}

Sid::Sid(std::uint64_t authority, std::span<const std::uint32_t> sub_authorities) : authority_(authority) {
  GUISE_ASSERT(sub_authorities.size() <= kMaxSubAuthorities, "a SID has at most 15 sub-authorities");
  GUISE_ASSERT(authority <= kMaxAuthority, "SID authority is 48 bits");
  for (std::uint32_t s : sub_authorities) subs_[count_++] = s;
}

std::optional<Sid> Sid::parse(std::string_view text) noexcept {
  if (text.size() < 4 || (text[0] != 'S' && text[0] != 's') || text[1] != '-') return std::nullopt;
  text.remove_prefix(2);
  // Revision: only 1 exists.
  const auto dash = text.find('-');
  if (dash == std::string_view::npos || text.substr(0, dash) != "1") return std::nullopt;
  text.remove_prefix(dash + 1);
  Sid sid;
  std::size_t part = 0;
  while (true) {
    const auto next = text.find('-');
    const auto field = text.substr(0, next);
    if (part == 0) {
      if (!parse_number(field, sid.authority_) || sid.authority_ > kMaxAuthority) return std::nullopt;
    } else {
      if (sid.count_ == kMaxSubAuthorities) return std::nullopt;
      std::uint32_t value = 0;
      if (!parse_number(field, value)) return std::nullopt;
      sid.subs_[sid.count_++] = value;
    }
    ++part;
    if (next == std::string_view::npos) break;
    text.remove_prefix(next + 1);
  }
  // Windows requires at least one sub-authority ("S-1-5" alone is not a valid SID).
  if (sid.count_ == 0) return std::nullopt;
  return sid;
}

std::string Sid::to_string() const {
  std::string text =
      authority_ < (1ull << 32) ? fmt::format("S-1-{}", authority_) : fmt::format("S-1-0x{:012X}", authority_);
  for (std::size_t i = 0; i < count_; ++i) text += fmt::format("-{}", subs_[i]);
  return text;
}

std::optional<uid_t> Sid::as_unix_uid() const noexcept {
  if (authority_ == 22 && count_ == 2 && subs_[0] == 1) return static_cast<uid_t>(subs_[1]);
  return std::nullopt;
}

std::optional<gid_t> Sid::as_unix_gid() const noexcept {
  if (authority_ == 22 && count_ == 2 && subs_[0] == 2) return static_cast<gid_t>(subs_[1]);
  return std::nullopt;
}

}  // namespace guise::identity
