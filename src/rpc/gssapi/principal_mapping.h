// principal_mapping.h: who a remote caller is on this machine — principal → Linux user → Token.
//
// Kerberos: krb5's own mapping, krb5_aname_to_localname (the realm's auth_to_local rules; DEFAULT
// strips the default realm). NTLM: "DOMAIN\user" maps to "user" when DOMAIN equals the configured
// domain (case-insensitively); anything else is unmapped. The local name then becomes uid, primary gid
// and groups: from the local users file when it names the user, else NSS (getpwnam, getgrouplist).
// An unmapped principal is refused. The Token keeps the principal name (QueryBlanket's server
// principal of the caller) and is at the impersonation level the client granted.
// Thread-safety: functions are reentrant; LocalUsers is immutable after load.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "identity/token.h"

namespace guise::rpc::gssapi {

struct LocalUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

// "name:uid:gid[:g1,g2,...]" per line; '#' starts a comment. kInvalidInput names the bad line.
class LocalUsers {
 public:
  static Result<LocalUsers> parse(std::string_view text);
  static Result<LocalUsers> load(const std::string& path);
  const LocalUser* find(const std::string& name) const;

 private:
  std::map<std::string, LocalUser> users_;
};

enum class PrincipalKind { kKerberos, kNtlm };

// The local user name for `principal`, or kAccessDenied (unmapped).
Result<std::string> local_name_for(PrincipalKind kind, const std::string& principal, const std::string& ntlm_domain);

// The caller's Token: local name → ids (table, else NSS), principal name kept.
Result<identity::Token> token_for(const std::string& local_name, const std::string& principal,
                                  const LocalUsers* table, identity::ImpersonationLevel level);

}  // namespace guise::rpc::gssapi
