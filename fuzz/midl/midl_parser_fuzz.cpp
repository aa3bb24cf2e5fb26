// libFuzzer target: guise-midl's pipeline after the preprocessor (lex, parse, check, generate) over
// arbitrary text. Any input must end in outputs or in diagnostics, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "compiler.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  guise::midl::Diagnostics diags;
  auto out = guise::midl::compile_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.idl", diags);
  static_cast<void>(out);
  return 0;
}
