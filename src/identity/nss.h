// nss.h: user and group lookups through NSS (getpwuid_r, getgrouplist), for tokens built from a uid.
//
// Lookups are for naming and for identities that do not come with kernel-attested groups; a missing
// entry is a normal answer (nullopt), not an error. Thread-safe (reentrant libc calls).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace guise::identity::nss {

struct UserEntry {
  std::string name;
  gid_t primary_gid = 0;
};

std::optional<UserEntry> user_by_uid(uid_t uid);
std::optional<uid_t> uid_by_name(const std::string& name);
std::optional<gid_t> gid_by_name(const std::string& name);
// Supplementary groups of `name` including `primary_gid` (getgrouplist), sorted and unique.
std::vector<gid_t> groups_of(const std::string& name, gid_t primary_gid);

}  // namespace guise::identity::nss
