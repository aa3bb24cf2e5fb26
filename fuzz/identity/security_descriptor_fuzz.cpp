// Fuzzes the self-relative security descriptor parser (the decoder of descriptors that come from
// user buffers, and later off the wire): no input may crash it or make it read outside the input, and
// whatever parses must survive every conversion unchanged —
//   bytes → BinaryDescriptor → self-relative bytes → the same BinaryDescriptor;
//   → DescriptorContent → binary → the same content;
//   → SDDL text → the same content (when SDDL can express it);
// and AccessCheck's evaluation must run on it.
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/assert.h"
#include "guise/winnt.h"
#include "identity/access_check.h"
#include "identity/win32/binary_security_descriptor.h"
#include "identity/win32/sddl_text.h"

namespace {

using namespace guise::identity;
using namespace guise::identity::win32;

bool every_sid_has_a_sub_authority(const SecurityDescriptor& sd) {
  // guise's SDDL parser, like Windows' SID text, wants at least one sub-authority ("S-1-5" alone is
  // refused), while the binary form allows none.
  const auto ok = [](const Sid& sid) { return sid.sub_authority_count() > 0; };
  if (sd.owner && !ok(*sd.owner)) return false;
  if (sd.group && !ok(*sd.group)) return false;
  for (const auto* acl : {&sd.dacl, &sd.sacl}) {
    if (!*acl) continue;
    for (const Ace& ace : **acl) {
      if (!ok(ace.sid)) return false;
    }
  }
  return true;
}

void check_sddl_round_trip(const DescriptorContent& content) {
  constexpr SECURITY_INFORMATION kAll =
      OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION;
  auto text = write_sddl_text(content, kAll);
  if (!text.ok() || !every_sid_has_a_sub_authority(content.descriptor)) return;
  auto parsed = parse_sddl_text(*text);
  GUISE_ASSERT(parsed.ok(), "written SDDL does not parse: ", *text, " (", parsed.status().to_string(), ")");
  // SDDL carries neither the defaulted/resource-manager flags nor a NULL SACL (written as an empty one).
  DescriptorContent expected = content;
  expected.other_control = 0;
  expected.sbz1 = 0;
  if (expected.sacl_present && !expected.descriptor.sacl) expected.descriptor.sacl.emplace();
  GUISE_ASSERT(*parsed == expected, "SDDL round trip changed the descriptor: ", *text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed = parse_self_relative(std::span<const std::uint8_t>(data, size));
  if (!parsed.ok()) return 0;

  const auto rewritten = to_self_relative(*parsed);
  const auto again = parse_self_relative(rewritten);
  GUISE_ASSERT(again.ok(), "written self-relative descriptor does not parse: ", again.status().to_string());
  GUISE_ASSERT(*again == *parsed, "self-relative round trip changed the descriptor");

  const auto content = interpret(*parsed);
  if (!content.ok()) return 0;
  const auto encoded = encode(*content);
  GUISE_ASSERT(encoded.ok(), "an interpreted descriptor does not encode: ", encoded.status().to_string());
  const auto reread = interpret(*encoded);
  GUISE_ASSERT(reread.ok() && *reread == *content, "content round trip changed the descriptor");

  check_sddl_round_trip(*content);

  static const auto token = Token::for_ids(41001, 41001, {41001, 42000}, ImpersonationLevel::kImpersonate);
  (void)access_check(token, content->descriptor, 0x3, {0x1, 0x1, 0x1, 0x7});
  return 0;
}
