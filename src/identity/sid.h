// sid.h: Windows security identifiers (S-1-...), with the Unix mapping Samba uses.
//
// A Sid is an immutable value: revision 1, a 48-bit identifier authority and up to 15 sub-authorities.
// Linux users are S-1-22-1-<uid> and groups S-1-22-2-<gid>; the well-known SIDs (Everyone, Anonymous,
// Local System, ...) are Windows' own. Parsing accepts the "S-1-..." form only; SDDL aliases live in
// sddl.h. Values: thread-safe.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace guise::identity {

class Sid {
 public:
  static constexpr std::size_t kMaxSubAuthorities = 15;

  Sid() = default;  // S-1-0-0 (Null SID)
  // authority: 48-bit value. Asserts on more than kMaxSubAuthorities parts.
  Sid(std::uint64_t authority, std::initializer_list<std::uint32_t> sub_authorities);
  // The same from parts known at run time (a decoded binary SID). Asserts as above.
  Sid(std::uint64_t authority, std::span<const std::uint32_t> sub_authorities);

  static Sid unix_user(uid_t uid) { return Sid(22, {1, static_cast<std::uint32_t>(uid)}); }
  static Sid unix_group(gid_t gid) { return Sid(22, {2, static_cast<std::uint32_t>(gid)}); }

  // "S-1-5-32-544". nullopt for anything malformed (use sddl.h for errors with positions).
  static std::optional<Sid> parse(std::string_view text) noexcept;
  std::string to_string() const;

  std::uint64_t authority() const noexcept { return authority_; }
  std::size_t sub_authority_count() const noexcept { return count_; }
  std::uint32_t sub_authority(std::size_t i) const noexcept { return subs_[i]; }

  // The uid/gid a Unix user/group SID stands for, if it is one.
  std::optional<uid_t> as_unix_uid() const noexcept;
  std::optional<gid_t> as_unix_gid() const noexcept;

  friend bool operator==(const Sid& a, const Sid& b) noexcept {
    if (a.authority_ != b.authority_ || a.count_ != b.count_) return false;
    for (std::size_t i = 0; i < a.count_; ++i) {
      if (a.subs_[i] != b.subs_[i]) return false;
    }
    return true;
  }

 private:
  std::uint64_t authority_ = 0;
  std::uint8_t count_ = 0;
  std::array<std::uint32_t, kMaxSubAuthorities> subs_{};
};

// Well-known SIDs (Windows' values).
namespace well_known {
inline const Sid kNull() { return Sid(0, {0}); }                         // S-1-0-0
inline const Sid kEveryone() { return Sid(1, {0}); }                     // S-1-1-0  WD
inline const Sid kCreatorOwner() { return Sid(3, {0}); }                 // S-1-3-0  CO
inline const Sid kCreatorGroup() { return Sid(3, {1}); }                 // S-1-3-1  CG
inline const Sid kOwnerRights() { return Sid(3, {4}); }                  // S-1-3-4  OW
inline const Sid kNetwork() { return Sid(5, {2}); }                      // S-1-5-2  NU
inline const Sid kInteractive() { return Sid(5, {4}); }                  // S-1-5-4  IU
inline const Sid kAnonymous() { return Sid(5, {7}); }                    // S-1-5-7  AN
inline const Sid kPrincipalSelf() { return Sid(5, {10}); }               // S-1-5-10 PS
inline const Sid kAuthenticatedUsers() { return Sid(5, {11}); }          // S-1-5-11 AU
inline const Sid kLocalSystem() { return Sid(5, {18}); }                 // S-1-5-18 SY
inline const Sid kLocalService() { return Sid(5, {19}); }                // S-1-5-19 LS
inline const Sid kNetworkService() { return Sid(5, {20}); }              // S-1-5-20 NS
inline const Sid kBuiltinAdministrators() { return Sid(5, {32, 544}); }  // BA
inline const Sid kBuiltinUsers() { return Sid(5, {32, 545}); }           // BU
inline const Sid kBuiltinGuests() { return Sid(5, {32, 546}); }          // BG
}  // namespace well_known

}  // namespace guise::identity
