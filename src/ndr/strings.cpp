#include "ndr/strings.h"

#include <string_view>

#include "ndr/decoded_memory.h"
#include "ndr/primitives.h"

namespace guise::ndr {
namespace {

template <class Char>
void put_string_impl(Writer& w, const Char* s) {
  const std::size_t length = std::basic_string_view<Char>(s).size() + 1;  // with the NUL
  const auto count = static_cast<std::uint32_t>(length);
  w.write_conformance(count);
  w.write_variance(0, count);
  for (std::size_t i = 0; i < length; ++i) put(w, s[i]);
}

template <class Char>
Status get_string_impl(Reader& r, Char*& out) {
  out = nullptr;
  std::uint32_t max_count = 0;
  std::uint32_t offset = 0;
  std::uint32_t actual = 0;
  GUISE_RETURN_IF_ERROR(r.read_conformance(max_count, 0));
  GUISE_RETURN_IF_ERROR(r.read_variance(max_count, sizeof(Char), offset, actual));
  if (actual == 0) return r.fail(DecodeError::kStringNotTerminated);
  Char* chars = nullptr;
  GUISE_RETURN_IF_ERROR(allocate_array(r, actual, chars));
  for (std::uint32_t i = 0; i < actual; ++i) {
    const Status s = get(r, chars[i]);
    if (!s.ok()) {
      free_block(chars);
      return s;
    }
  }
  if (chars[actual - 1] != Char{0}) {
    free_block(chars);
    return r.fail(DecodeError::kStringNotTerminated);
  }
  out = chars;
  return Status::Ok();
}

}  // namespace

void put_string(Writer& w, const char* s) { put_string_impl(w, s); }
void put_string(Writer& w, const char16_t* s) { put_string_impl(w, s); }
Status get_string(Reader& r, char*& out) { return get_string_impl(r, out); }
Status get_string(Reader& r, char16_t*& out) { return get_string_impl(r, out); }

}  // namespace guise::ndr
