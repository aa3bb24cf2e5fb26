// ap_req_flags.cpp: reading an AP-REQ's authenticator flags (ap_req_flags.h).
#include "rpc/gssapi/ap_req_flags.h"

#include <krb5.h>

#include <cstdint>

#include "rpc/gssapi/spnego_token.h"

namespace guise::rpc::gssapi {
namespace {

constexpr krb5_cksumtype kGssChecksum = 0x8003;  // RFC 4121 §4.1.1
constexpr unsigned kFlagsOffset = 20;            // after Lgth (4) and Bnd (16)

}  // namespace

std::optional<OM_uint32> authenticator_gss_flags(std::span<const std::byte> ap_req, const std::string& keytab) {
  krb5_context context = nullptr;
  if (krb5_init_context(&context) != 0) return std::nullopt;
  std::optional<OM_uint32> flags;
  krb5_keytab kt = nullptr;
  const krb5_error_code opened =
      keytab.empty() ? krb5_kt_default(context, &kt) : krb5_kt_resolve(context, keytab.c_str(), &kt);
  krb5_auth_context auth = nullptr;
  if (opened == 0 && krb5_auth_con_init(context, &auth) == 0) {
    // No KRB5_AUTH_CONTEXT_DO_TIME and no server name: krb5_rd_req then opens no replay cache, so
    // this look does not spend the authenticator MIT's acceptor checks next.
    krb5_auth_con_setflags(context, auth, 0);
    krb5_data in{};
    in.length = static_cast<unsigned>(ap_req.size());
    in.data = const_cast<char*>(reinterpret_cast<const char*>(ap_req.data()));
    krb5_flags options = 0;
    if (krb5_rd_req(context, &auth, &in, nullptr, kt, &options, nullptr) == 0) {
      krb5_authenticator* authenticator = nullptr;
      if (krb5_auth_con_getauthenticator(context, auth, &authenticator) == 0 && authenticator != nullptr) {
        const krb5_checksum* sum = authenticator->checksum;
        if (sum != nullptr && sum->checksum_type == kGssChecksum && sum->length >= kFlagsOffset + 4) {
          const krb5_octet* p = sum->contents + kFlagsOffset;
          flags = static_cast<OM_uint32>(p[0]) | static_cast<OM_uint32>(p[1]) << 8 |
                  static_cast<OM_uint32>(p[2]) << 16 | static_cast<OM_uint32>(p[3]) << 24;
        }
        krb5_free_authenticator(context, authenticator);
      }
    }
    krb5_auth_con_free(context, auth);
  }
  if (kt != nullptr) krb5_kt_close(context, kt);
  krb5_free_context(context);
  return flags;
}

std::span<const std::byte> first_token_for_mit(std::span<const std::byte> token, const std::string& keytab) {
  auto ap_req = spnego::dce_style_ap_req(token);
  if (!ap_req.ok() || ap_req->size() == token.size()) return token;
  const std::optional<OM_uint32> flags = authenticator_gss_flags(*ap_req, keytab);
  if (flags && !(*flags & GSS_C_DCE_STYLE)) return token;
  return *ap_req;
}

}  // namespace guise::rpc::gssapi
