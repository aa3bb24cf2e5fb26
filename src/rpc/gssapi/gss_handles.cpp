// gss_handles.cpp: GSSAPI owners, error text, the session key query.
#include "rpc/gssapi/gss_handles.h"

#include <cstring>

namespace guise::rpc::gss {

gss_OID_desc kMechKerberos = {9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};
gss_OID_desc kMechSpnego = {6, const_cast<char*>("\x2b\x06\x01\x05\x05\x02")};
gss_OID_desc kMechNtlmssp = {10, const_cast<char*>("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a")};

namespace {

void append_status(std::string& out, OM_uint32 code, int type, gss_OID mech) {
  OM_uint32 context = 0;
  for (int i = 0; i < 8; ++i) {  // bounded: a status has a handful of messages at most
    OM_uint32 minor = 0;
    gss_buffer_desc text{0, nullptr};
    if (GSS_ERROR(gss_display_status(&minor, code, type, mech, &context, &text))) return;
    if (!out.empty()) out += "; ";
    out.append(static_cast<const char*>(text.value), text.length);
    gss_release_buffer(&minor, &text);
    if (context == 0) return;
  }
}

}  // namespace

std::string describe(OM_uint32 major, OM_uint32 minor, gss_OID mech) {
  std::string out;
  append_status(out, major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (minor != 0) append_status(out, minor, GSS_C_MECH_CODE, mech);
  return out;
}

Status failure(std::string_view what, OM_uint32 major, OM_uint32 minor, gss_OID mech) {
  return access_denied(std::string(what) + ": " + describe(major, minor, mech));
}

Result<Name> Name::import(std::string_view text, gss_OID type) {
  Name name;
  gss_buffer_desc in{text.size(), const_cast<char*>(text.data())};
  OM_uint32 minor = 0;
  OM_uint32 major = gss_import_name(&minor, &in, type, name.out());
  if (GSS_ERROR(major)) return failure("gss_import_name(" + std::string(text) + ")", major, minor);
  return name;
}

Result<std::string> Name::display() const {
  Buffer text;
  OM_uint32 minor = 0;
  OM_uint32 major = gss_display_name(&minor, name_, text.get(), nullptr);
  if (GSS_ERROR(major)) return failure("gss_display_name", major, minor);
  auto b = text.bytes();
  std::string out(reinterpret_cast<const char*>(b.data()), b.size());
  while (!out.empty() && out.back() == '\0') out.pop_back();  // gss-ntlmssp counts the terminator
  return out;
}

Result<std::vector<std::byte>> session_key(const Context& context) {
  OM_uint32 minor = 0;
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  OM_uint32 major = gss_inquire_sec_context_by_oid(&minor, context.get(), GSS_C_INQ_SSPI_SESSION_KEY, &set);
  if (GSS_ERROR(major)) return failure("session key", major, minor);
  std::vector<std::byte> key;
  if (set != GSS_C_NO_BUFFER_SET && set->count >= 1) {
    auto* p = static_cast<const std::byte*>(set->elements[0].value);
    key.assign(p, p + set->elements[0].length);
  }
  gss_release_buffer_set(&minor, &set);
  if (key.empty()) return access_denied("the mechanism exported no session key");
  return key;
}

OidSet::OidSet(std::initializer_list<gss_OID> mechs) {
  OM_uint32 minor = 0;
  gss_create_empty_oid_set(&minor, &set_);
  for (gss_OID m : mechs) gss_add_oid_set_member(&minor, m, &set_);
}

OidSet::~OidSet() {
  OM_uint32 minor = 0;
  if (set_ != GSS_C_NO_OID_SET) gss_release_oid_set(&minor, &set_);
}

}  // namespace guise::rpc::gss
