// pointers.h: the flat part of ref, unique and full pointers (C706 §14.3.10–14.3.12).
//
// A pointer's flat part is its referent id (4 bytes, aligned to 4), written where the pointer sits;
// its referent follows later, in the deferred part of the enclosing construct. A top-level [ref]
// parameter has no flat part at all; an embedded [ref] pointer sends a non-zero id; [unique] sends 0
// for NULL; [ptr] (full) sends the same id each time the same address appears and its referent only
// the first time (C706 §14.3.11.3). Decoding sets a non-null pointer to pending_referent() until the
// deferred part replaces it (decoded_memory.h). Stateless helpers over Writer/Reader.
#pragma once

#include <set>

#include "ndr/decoded_memory.h"
#include "ndr/primitives.h"

namespace guise::ndr {

// [unique]/embedded [ref]: 0 for NULL, otherwise a fresh id.
inline void put_pointer_flat(Writer& w, const void* p) {
  w.align(4);
  w.write_u32(p == nullptr ? 0 : w.next_referent_id());
}

template <class T>
[[nodiscard]] Status get_unique_flat(Reader& r, T*& p) {
  std::uint32_t id = 0;
  GUISE_RETURN_IF_ERROR(get(r, id));
  p = id == 0 ? nullptr : pending_referent<T>();
  return Status::Ok();
}

// An embedded [ref] pointer must not be NULL on either side (C706 §14.3.10.1).
template <class T>
[[nodiscard]] Status get_ref_flat(Reader& r, T*& p) {
  std::uint32_t id = 0;
  GUISE_RETURN_IF_ERROR(get(r, id));
  if (id == 0) return r.fail(DecodeError::kNullRefPointer);
  p = pending_referent<T>();
  return Status::Ok();
}

// [ptr]: writes the address's id; returns true when the referent must follow (first appearance).
inline bool put_full_flat(Writer& w, const void* p) {
  w.align(4);
  if (p == nullptr) {
    w.write_u32(0);
    return false;
  }
  auto [id, first] = w.full_pointer_id(p);
  w.write_u32(id);
  return first;
}

// Decoding [ptr]: a known id aliases the value decoded before; a new id is pending, and the Reader
// remembers the slot so the deferred part (get_full_deferred_id) knows which id it is decoding.
template <class T>
[[nodiscard]] Status get_full_flat(Reader& r, T*& p) {
  std::uint32_t id = 0;
  GUISE_RETURN_IF_ERROR(get(r, id));
  if (id == 0) {
    p = nullptr;
    return Status::Ok();
  }
  if (void* known = r.full_pointer_lookup(id)) {
    p = static_cast<T*>(known);
    return Status::Ok();
  }
  p = pending_referent<T>();
  r.note_full_pointer_slot(&p, id);
  return Status::Ok();
}

// Frees each address once, so aliased [ptr] referents are not freed twice.
class Freer {
 public:
  // True the first time `p` is seen (and p is a real block): the caller frees it.
  bool claim(const void* p) {
    if (p == nullptr || is_pending_referent(p)) return false;
    return seen_.insert(p).second;
  }

 private:
  std::set<const void*> seen_;
};

}  // namespace guise::ndr
