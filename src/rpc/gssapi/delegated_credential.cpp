// delegated_credential.cpp: a delegated Kerberos credential in a memory cache (delegated_credential.h).
#include "rpc/gssapi/delegated_credential.h"

#include <krb5.h>

#include <atomic>
#include <string>

#include "base/log.h"

namespace guise::rpc::gssapi {
namespace {

class MemoryCacheCredential final : public identity::DelegatedCredential {
 public:
  explicit MemoryCacheCredential(std::string name) : name_(std::move(name)) {}
  MemoryCacheCredential(const MemoryCacheCredential&) = delete;
  MemoryCacheCredential& operator=(const MemoryCacheCredential&) = delete;
  ~MemoryCacheCredential() override { destroy(name_); }
  const std::string& cache_name() const noexcept override { return name_; }

  // krb5_cc_destroy: a memory cache lives until destroyed, whoever resolved it.
  static void destroy(const std::string& name) noexcept {
    krb5_context context = nullptr;
    if (krb5_init_context(&context) != 0) {
      log::warn("rpc: delegated credential cache {} not destroyed: no krb5 context", name);
      return;
    }
    krb5_ccache cache = nullptr;
    if (krb5_cc_resolve(context, name.c_str(), &cache) == 0) {
      if (krb5_cc_destroy(context, cache) != 0) log::warn("rpc: delegated credential cache {} not destroyed", name);
    }
    krb5_free_context(context);
  }

 private:
  std::string name_;
};

std::atomic<std::uint64_t> g_next_cache{1};

}  // namespace

Result<std::shared_ptr<const identity::DelegatedCredential>> keep_delegated(const gss::Credential& delegated) {
  std::string name = "MEMORY:guise-delegated-" + std::to_string(g_next_cache.fetch_add(1));
  gss_key_value_element_desc element{"ccache", name.c_str()};
  gss_key_value_set_desc store{1, &element};
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_store_cred_into(&minor, delegated.get(), GSS_C_INITIATE, &gss::kMechKerberos,
                                              /*overwrite_cred=*/1, /*default_cred=*/0, &store, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    MemoryCacheCredential::destroy(name);  // a partly written cache goes too
    return gss::failure("storing the delegated credential", major, minor);
  }
  return std::shared_ptr<const identity::DelegatedCredential>(std::make_shared<MemoryCacheCredential>(std::move(name)));
}

}  // namespace guise::rpc::gssapi
