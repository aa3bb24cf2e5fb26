// Fuzzes the SDDL parser and formatter: no input may crash them, and whatever parses must format to
// text that parses back to an equal descriptor.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "identity/access_check.h"
#include "identity/sddl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = guise::identity::parse_sddl(text);
  if (!parsed.ok()) return 0;
  const std::string formatted = guise::identity::format_sddl(*parsed);
  auto again = guise::identity::parse_sddl(formatted);
  GUISE_ASSERT(again.ok(), "formatted SDDL does not parse: ", formatted, " (", again.status().to_string(), ")");
  GUISE_ASSERT(*again == *parsed, "SDDL round trip changed the descriptor: ", formatted);
  static const auto token = guise::identity::Token::for_ids(41001, 41001, {41001, 42000},
                                                            guise::identity::ImpersonationLevel::kImpersonate);
  (void)guise::identity::access_check(token, *parsed, 0x3, {0x1, 0x1, 0x1, 0x7});
  return 0;
}
