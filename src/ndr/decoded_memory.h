// decoded_memory.h: where decoded referents live, and how generated code frees them.
//
// Decoded pointers follow COM's rule for marshaled memory: every referent (array, string, struct
// behind a pointer) is its own CoTaskMemAlloc block, so a COM caller frees [out] data with
// CoTaskMemFree exactly as on Windows, and a stub frees [in] data and the object's [out] data the same
// way after the call. Every allocation is first charged to the Reader's Limits::max_allocation with a
// checked multiply, so a peer cannot make us allocate more than the limit however it nests pointers.
// Memory is zero-filled, so a partly decoded value is always safe to free.
//
// While a structure's flat part is decoded, a non-null embedded pointer is set to pending_referent():
// a non-null marker meaning "the referent follows in the deferred part" (C706 §14.3.12.3). It never
// escapes a successful decode; free_block() ignores it so a failed decode can be freed.
// Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/status.h"
#include "guise/objbase.h"
#include "ndr/reader.h"

namespace guise::ndr {

namespace detail {
// Aligned like any allocation, so the marker is a well-aligned pointer value of every type.
alignas(alignof(std::max_align_t)) inline constexpr std::byte kPendingReferentMarker{0};
[[nodiscard]] Status allocate_zeroed(Reader& r, std::uint64_t count, std::size_t size, void*& out);
}  // namespace detail

// The marker for "non-null, referent not decoded yet".
template <class T>
T* pending_referent() noexcept {
  // Never dereferenced: only compared. The cast keeps a distinct, non-null address per program.
  return reinterpret_cast<T*>(const_cast<std::byte*>(&detail::kPendingReferentMarker));
}
inline bool is_pending_referent(const void* p) noexcept { return p == &detail::kPendingReferentMarker; }

// Allocates `count` zero-filled T (count may be 0: still a valid, freeable block), charged to the
// Reader's allocation limit. T must be an implicit-lifetime type (every generated type is).
template <class T>
[[nodiscard]] Status allocate_array(Reader& r, std::uint64_t count, T*& out) {
  void* raw = nullptr;
  GUISE_RETURN_IF_ERROR(detail::allocate_zeroed(r, count, sizeof(T), raw));
  out = static_cast<T*>(raw);
  return Status::Ok();
}

// CoTaskMemFree for decoded blocks; NULL and the pending marker are ignored.
inline void free_block(void* p) noexcept {
  if (p != nullptr && !is_pending_referent(p)) CoTaskMemFree(p);
}

}  // namespace guise::ndr
