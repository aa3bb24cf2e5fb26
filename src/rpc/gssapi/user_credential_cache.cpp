// user_credential_cache.cpp: a local user's default credential cache (user_credential_cache.h).
#include "rpc/gssapi/user_credential_cache.h"

#include <krb5.h>
#include <profile.h>

#include <cstdlib>

#include "base/log.h"

namespace guise::rpc::gssapi {
namespace {

// krb5.conf's [libdefaults] default_ccache_name as written (unexpanded), "" when unset.
std::string configured_default() {
  krb5_context context = nullptr;
  if (krb5_init_context(&context) != 0) return {};
  std::string value;
  profile_t profile = nullptr;
  if (krb5_get_profile(context, &profile) == 0) {
    char* text = nullptr;
    if (profile_get_string(profile, "libdefaults", "default_ccache_name", nullptr, nullptr, &text) == 0 &&
        text != nullptr) {
      value = text;
    }
    profile_release_string(text);
    profile_release(profile);
  }
  krb5_free_context(context);
  return value;
}

}  // namespace

std::optional<std::string> expand_cache_name(const std::string& configured, uid_t uid) {
  if (configured.empty()) return "FILE:/tmp/krb5cc_" + std::to_string(uid);
  const char* tmpdir = std::getenv("TMPDIR");
  std::string out;
  for (std::size_t i = 0; i < configured.size();) {
    if (configured.compare(i, 2, "%{") != 0) {
      out += configured[i++];
      continue;
    }
    const std::size_t end = configured.find('}', i);
    if (end == std::string::npos) return std::nullopt;
    const std::string token = configured.substr(i + 2, end - i - 2);
    if (token == "uid" || token == "euid" || token == "USERID") {
      out += std::to_string(uid);
    } else if (token == "TEMP") {
      out += tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    } else {
      return std::nullopt;
    }
    i = end + 1;
  }
  return out;
}

std::optional<std::string> default_cache_of(uid_t uid) {
  const std::string configured = configured_default();
  std::optional<std::string> name = expand_cache_name(configured, uid);
  if (!name) log::info("rpc: default_ccache_name {} names no cache guise can find for uid {}", configured, uid);
  return name;
}

}  // namespace guise::rpc::gssapi
