// principal_mapping.cpp: auth_to_local for Kerberos, the domain rule for NTLM, ids from table or NSS.
#include "rpc/gssapi/principal_mapping.h"

#include <krb5/krb5.h>
#include <strings.h>

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

#include "identity/nss.h"

namespace guise::rpc::gssapi {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

template <class Id>
bool parse_id(std::string_view s, Id& out) {
  unsigned long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v >= std::numeric_limits<Id>::max()) return false;
  out = static_cast<Id>(v);
  return true;
}

Result<std::string> kerberos_local_name(const std::string& principal) {
  krb5_context ctx = nullptr;
  if (krb5_init_context(&ctx) != 0) return internal_error("krb5_init_context failed");
  krb5_principal p = nullptr;
  Result<std::string> result = access_denied("Kerberos principal " + principal + " maps to no local user");
  if (krb5_parse_name(ctx, principal.c_str(), &p) == 0) {
    char name[256];
    if (krb5_aname_to_localname(ctx, p, sizeof name, name) == 0 && name[0] != '\0') result = std::string(name);
    krb5_free_principal(ctx, p);
  } else {
    result = access_denied("unparsable Kerberos principal " + principal);
  }
  krb5_free_context(ctx);
  return result;
}

}  // namespace

Result<LocalUsers> LocalUsers::parse(std::string_view text) {
  LocalUsers table;
  int line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    auto fields = split(line, ':');
    LocalUser user;
    bool ok = (fields.size() == 3 || fields.size() == 4) && !fields[0].empty() && parse_id(fields[1], user.uid) &&
              parse_id(fields[2], user.gid);
    if (ok && fields.size() == 4 && !fields[3].empty()) {
      for (auto g : split(fields[3], ',')) {
        gid_t gid = 0;
        ok = ok && parse_id(g, gid);
        user.groups.push_back(gid);
      }
    }
    if (!ok) return invalid_input("local users file line " + std::to_string(line_no) + ": expected name:uid:gid[:groups]");
    user.groups.push_back(user.gid);
    table.users_[std::string(fields[0])] = std::move(user);
  }
  return table;
}

Result<LocalUsers> LocalUsers::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return not_found("cannot read local users file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

const LocalUser* LocalUsers::find(const std::string& name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

Result<std::string> local_name_for(PrincipalKind kind, const std::string& principal, const std::string& ntlm_domain) {
  if (kind == PrincipalKind::kKerberos) return kerberos_local_name(principal);
  auto slash = principal.find('\\');
  if (ntlm_domain.empty()) return access_denied("NTLM caller " + principal + ": no NTLM domain is configured");
  if (slash == std::string::npos) return access_denied("NTLM caller " + principal + " names no domain");
  std::string domain = principal.substr(0, slash);
  std::string user = principal.substr(slash + 1);
  if (strcasecmp(domain.c_str(), ntlm_domain.c_str()) != 0 || user.empty()) {
    return access_denied("NTLM caller " + principal + " is not of domain " + ntlm_domain);
  }
  return user;
}

Result<identity::Token> token_for(const std::string& local_name, const std::string& principal,
                                  const LocalUsers* table, identity::ImpersonationLevel level) {
  if (table != nullptr) {
    if (const LocalUser* u = table->find(local_name)) {
      return identity::Token::for_ids(u->uid, u->gid, u->groups, level).with_principal_name(principal);
    }
  }
  auto uid = identity::nss::uid_by_name(local_name);
  if (!uid) return access_denied(principal + " maps to " + local_name + ", which is no local user");
  GUISE_TRY(identity::Token token, identity::Token::for_uid(*uid, level));
  return token.with_principal_name(principal);
}

}  // namespace guise::rpc::gssapi
