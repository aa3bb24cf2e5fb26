// user_credential_cache.h: the credential cache a local user's own Kerberos tickets are in, found for
// a uid other than the process's (spec R63: a thread impersonating a locally attested caller calls a
// remote server with that caller's tickets).
//
// krb5's own default (KRB5CCNAME, else krb5.conf's default_ccache_name) is process-wide and, for
// "%{uid}", expanded with the process's ids, so it names the process's cache, not the caller's. guise
// takes krb5.conf's [libdefaults] default_ccache_name and expands its per-user tokens (%{uid},
// %{euid}, %{USERID}) with the caller's uid and %{TEMP} with $TMPDIR or /tmp; without a setting, MIT's
// built-in default FILE:/tmp/krb5cc_<uid>. KRB5CCNAME is ignored here (it is the process's). A name
// with a token guise does not know (%{username}, ...) is not guessed at: nullopt, and the call is
// refused. The cache is opened by the impersonating thread, so the kernel still decides whether the
// caller may read it (a FILE cache is 0600, the user's own).
// Thread-safety: reentrant.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace guise::rpc::gssapi {

std::optional<std::string> default_cache_of(uid_t uid);

// The expansion alone, for `configured` (krb5.conf's value; "" → MIT's built-in default).
std::optional<std::string> expand_cache_name(const std::string& configured, uid_t uid);

}  // namespace guise::rpc::gssapi
