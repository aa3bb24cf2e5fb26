// gss_handles.h: RAII owners for GSSAPI objects (MIT krb5's libgssapi_krb5) and its error text.
//
// Each owner releases its handle exactly once (gss_release_buffer/_name/_cred, gss_delete_sec_context).
// failure() turns a GSSAPI major/minor pair into a Status whose message carries gss_display_status's
// text for both, so a log line says why (e.g. "Clock skew too great", "Password incorrect").
// Mechanism OIDs: Kerberos 5 (1.2.840.113554.1.2.2), SPNEGO (1.3.6.1.5.5.2) and gss-ntlmssp's NTLMSSP
// (1.3.6.1.4.1.311.2.2.10). Thread-safety: owners are values used by one thread at a time.
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace guise::rpc::gss {

extern gss_OID_desc kMechKerberos;
extern gss_OID_desc kMechSpnego;
extern gss_OID_desc kMechNtlmssp;

// "major text; minor text" for logs.
std::string describe(OM_uint32 major, OM_uint32 minor, gss_OID mech = GSS_C_NO_OID);
// kAccessDenied (authentication refused) with `what` and the GSSAPI explanation.
Status failure(std::string_view what, OM_uint32 major, OM_uint32 minor, gss_OID mech = GSS_C_NO_OID);
// Whether a major status is fully good: no routine error and no supplementary bit (duplicate, old,
// unsequenced or gap token — replays and reordering are failures for DCE/RPC).
inline bool clean(OM_uint32 major) noexcept { return major == GSS_S_COMPLETE; }

class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() {
    OM_uint32 minor = 0;
    if (desc_.value != nullptr) gss_release_buffer(&minor, &desc_);
  }
  gss_buffer_t get() noexcept { return &desc_; }
  std::span<const std::byte> bytes() const noexcept {
    return {static_cast<const std::byte*>(desc_.value), desc_.length};
  }
  std::vector<std::byte> copy() const { return {bytes().begin(), bytes().end()}; }

 private:
  gss_buffer_desc desc_{0, nullptr};
};

// A borrowed input buffer (no ownership).
inline gss_buffer_desc view(std::span<const std::byte> bytes) noexcept {
  return {bytes.size(), const_cast<std::byte*>(bytes.data())};
}

class Name {
 public:
  Name() = default;
  Name(Name&& o) noexcept : name_(std::exchange(o.name_, GSS_C_NO_NAME)) {}
  Name& operator=(Name&& o) noexcept {
    std::swap(name_, o.name_);
    return *this;
  }
  ~Name() {
    OM_uint32 minor = 0;
    if (name_ != GSS_C_NO_NAME) gss_release_name(&minor, &name_);
  }
  gss_name_t get() const noexcept { return name_; }
  gss_name_t* out() noexcept { return &name_; }
  // gss_import_name of `text` as `type`.
  static Result<Name> import(std::string_view text, gss_OID type);
  // gss_display_name.
  Result<std::string> display() const;

 private:
  gss_name_t name_ = GSS_C_NO_NAME;
};

class Credential {
 public:
  Credential() = default;
  Credential(Credential&& o) noexcept : cred_(std::exchange(o.cred_, GSS_C_NO_CREDENTIAL)) {}
  Credential& operator=(Credential&& o) noexcept {
    std::swap(cred_, o.cred_);
    return *this;
  }
  ~Credential() {
    OM_uint32 minor = 0;
    if (cred_ != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &cred_);
  }
  gss_cred_id_t get() const noexcept { return cred_; }
  gss_cred_id_t* out() noexcept { return &cred_; }

 private:
  gss_cred_id_t cred_ = GSS_C_NO_CREDENTIAL;
};

class Context {
 public:
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() {
    OM_uint32 minor = 0;
    if (ctx_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &ctx_, GSS_C_NO_BUFFER);
  }
  gss_ctx_id_t get() const noexcept { return ctx_; }
  gss_ctx_id_t* out() noexcept { return &ctx_; }

 private:
  gss_ctx_id_t ctx_ = GSS_C_NO_CONTEXT;
};

// The 16-octet (NTLM) or enctype-sized (Kerberos) session key of an established context
// (gss_inquire_sec_context_by_oid with GSS_C_INQ_SSPI_SESSION_KEY).
Result<std::vector<std::byte>> session_key(const Context& context);

// An OID set holding exactly `mechs`, released when it goes.
class OidSet {
 public:
  explicit OidSet(std::initializer_list<gss_OID> mechs);
  OidSet(const OidSet&) = delete;
  OidSet& operator=(const OidSet&) = delete;
  ~OidSet();
  gss_OID_set get() const noexcept { return set_; }

 private:
  gss_OID_set set_ = GSS_C_NO_OID_SET;
};

}  // namespace guise::rpc::gss
