// ConvertStringSecurityDescriptorToSecurityDescriptor{W,A} and
// ConvertSecurityDescriptorToStringSecurityDescriptor{W,A} (sddl.h).
#include <string>

#include "base/log.h"
#include "base/utf16.h"
#include "guise/sddl.h"
#include "guise/winerror.h"
#include "identity/win32/api_support.h"
#include "identity/win32/binary_security_descriptor.h"
#include "identity/win32/bytes.h"
#include "identity/win32/local_text.h"
#include "identity/win32/sddl_text.h"

using guise::identity::win32::fail;

namespace {

BOOL string_to_descriptor(std::string_view text, DWORD revision, PSECURITY_DESCRIPTOR* out, PULONG size) {
  using namespace guise::identity::win32;
  if (revision != SDDL_REVISION_1) return fail(ERROR_UNKNOWN_REVISION);
  const auto content = parse_sddl_text(text);
  if (!content.ok()) {
    guise::log::debug("ConvertStringSecurityDescriptorToSecurityDescriptor: {}", content.status().message());
    return fail(win32_error_code(content.status(), ERROR_INVALID_PARAMETER));
  }
  const auto binary = encode(*content);
  if (!binary.ok()) return fail(win32_error_code(binary.status(), ERROR_INVALID_PARAMETER));
  const std::vector<std::uint8_t> bytes = to_self_relative(*binary);
  if (!local_copy(bytes, out)) return FALSE;
  if (size != nullptr) *size = static_cast<ULONG>(bytes.size());
  return TRUE;
}

// The descriptor's text for `parts`, or the Win32 error code.
std::optional<std::string> descriptor_to_string(PSECURITY_DESCRIPTOR descriptor, SECURITY_INFORMATION parts,
                                                DWORD& error) {
  using namespace guise::identity::win32;
  auto binary = read_descriptor(descriptor);
  if (!binary.ok()) {
    guise::log::debug("ConvertSecurityDescriptorToStringSecurityDescriptor: {}", binary.status().message());
    error = win32_error_code(binary.status(), ERROR_INVALID_SECURITY_DESCR);
    return std::nullopt;
  }
  // Parts not asked for are not interpreted: they cannot make the call fail.
  if (!(parts & OWNER_SECURITY_INFORMATION)) binary->owner.clear();
  if (!(parts & GROUP_SECURITY_INFORMATION)) binary->group.clear();
  if (!(parts & DACL_SECURITY_INFORMATION)) {
    binary->dacl.clear();
    binary->control &= static_cast<WORD>(~SE_DACL_PRESENT);
  }
  if (!(parts & (SACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION))) {
    binary->sacl.clear();
    binary->control &= static_cast<WORD>(~SE_SACL_PRESENT);
  }
  const auto content = interpret(*binary);
  if (!content.ok()) {
    guise::log::debug("ConvertSecurityDescriptorToStringSecurityDescriptor: {}", content.status().message());
    error = win32_error_code(content.status(), ERROR_INVALID_SECURITY_DESCR);
    return std::nullopt;
  }
  auto text = write_sddl_text(*content, parts);
  if (!text.ok()) {
    guise::log::debug("ConvertSecurityDescriptorToStringSecurityDescriptor: {}", text.status().message());
    error = win32_error_code(text.status(), ERROR_INVALID_ACL);
    return std::nullopt;
  }
  return *std::move(text);
}

template <class Char>
BOOL descriptor_to_text(PSECURITY_DESCRIPTOR descriptor, DWORD revision, SECURITY_INFORMATION parts, Char** out,
                        PULONG length) {
  if (descriptor == nullptr || out == nullptr) return fail(ERROR_INVALID_PARAMETER);
  if (revision != SDDL_REVISION_1) return fail(ERROR_UNKNOWN_REVISION);
  if (parts & BACKUP_SECURITY_INFORMATION) {
    // Documented: TRUE with a NULL string.
    *out = nullptr;
    if (length != nullptr) *length = 0;
    return TRUE;
  }
  DWORD error = 0;
  const auto text = descriptor_to_string(descriptor, parts, error);
  if (!text) return fail(error);
  return guise::identity::win32::local_text(*text, out, length);
}

}  // namespace

extern "C" {

BOOL WINAPI ConvertStringSecurityDescriptorToSecurityDescriptorA(LPCSTR StringSecurityDescriptor,
                                                                 DWORD StringSDRevision,
                                                                 PSECURITY_DESCRIPTOR* SecurityDescriptor,
                                                                 PULONG SecurityDescriptorSize) {
  if (StringSecurityDescriptor == nullptr || SecurityDescriptor == nullptr) return fail(ERROR_INVALID_PARAMETER);
  return string_to_descriptor(StringSecurityDescriptor, StringSDRevision, SecurityDescriptor, SecurityDescriptorSize);
}

BOOL WINAPI ConvertStringSecurityDescriptorToSecurityDescriptorW(LPCWSTR StringSecurityDescriptor,
                                                                 DWORD StringSDRevision,
                                                                 PSECURITY_DESCRIPTOR* SecurityDescriptor,
                                                                 PULONG SecurityDescriptorSize) {
  if (StringSecurityDescriptor == nullptr || SecurityDescriptor == nullptr) return fail(ERROR_INVALID_PARAMETER);
  return string_to_descriptor(guise::utf16_to_utf8(StringSecurityDescriptor), StringSDRevision, SecurityDescriptor,
                              SecurityDescriptorSize);
}

BOOL WINAPI ConvertSecurityDescriptorToStringSecurityDescriptorA(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                                 DWORD RequestedStringSDRevision,
                                                                 SECURITY_INFORMATION SecurityInformation,
                                                                 LPSTR* StringSecurityDescriptor,
                                                                 PULONG StringSecurityDescriptorLen) {
  return descriptor_to_text(SecurityDescriptor, RequestedStringSDRevision, SecurityInformation,
                            StringSecurityDescriptor, StringSecurityDescriptorLen);
}

BOOL WINAPI ConvertSecurityDescriptorToStringSecurityDescriptorW(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                                 DWORD RequestedStringSDRevision,
                                                                 SECURITY_INFORMATION SecurityInformation,
                                                                 LPWSTR* StringSecurityDescriptor,
                                                                 PULONG StringSecurityDescriptorLen) {
  return descriptor_to_text(SecurityDescriptor, RequestedStringSDRevision, SecurityInformation,
                            StringSecurityDescriptor, StringSecurityDescriptorLen);
}

}  // extern "C"
