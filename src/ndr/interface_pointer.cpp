#include "ndr/interface_pointer.h"

#include "ndr/decoded_memory.h"
#include "ndr/primitives.h"

namespace guise::ndr {

void put_interface_flat(Writer& w, IUnknown* p) {
  w.align(4);
  w.write_u32(p == nullptr ? 0 : w.next_referent_id());
}

Status put_interface_deferred(Writer& w, IUnknown* p, const IID& iid) {
  if (p == nullptr) return Status::Ok();
  InterfaceMarshaler* m = w.interface_marshaler();
  if (m == nullptr) {
    return unimplemented("ndr: interface pointer marshaling needs the COM runtime (no InterfaceMarshaler)");
  }
  GUISE_TRY(std::vector<std::byte> objref, m->marshal_interface(p, iid));
  put_interface_blob(w, objref);
  return Status::Ok();
}

void put_interface_blob(Writer& w, std::span<const std::byte> objref) {
  const auto size = static_cast<std::uint32_t>(objref.size());
  w.write_conformance(size);
  put(w, size);
  w.write_bytes(objref);
}

Status get_interface_blob(Reader& r, std::vector<std::byte>& objref) {
  std::uint32_t max_count = 0;
  std::uint32_t size = 0;
  GUISE_RETURN_IF_ERROR(r.read_conformance(max_count, 1));
  GUISE_RETURN_IF_ERROR(get(r, size));
  if (size != max_count) return r.fail(DecodeError::kConformanceMismatch);
  GUISE_RETURN_IF_ERROR(r.charge_allocation(size));
  objref.resize(size);
  return r.read_bytes(objref);
}

Status get_interface_flat(Reader& r, IUnknown*& out) {
  std::uint32_t referent_id = 0;
  GUISE_RETURN_IF_ERROR(get(r, referent_id));
  out = referent_id == 0 ? nullptr : pending_referent<IUnknown>();
  return Status::Ok();
}

Status get_interface_deferred(Reader& r, IUnknown*& out, const IID& iid) {
  if (out == nullptr) return Status::Ok();
  out = nullptr;
  std::vector<std::byte> objref;
  GUISE_RETURN_IF_ERROR(get_interface_blob(r, objref));
  InterfaceMarshaler* m = r.interface_marshaler();
  if (m == nullptr) return r.fail(DecodeError::kBadInterfacePointer);
  auto unmarshaled = m->unmarshal_interface(objref, iid);
  if (!unmarshaled.ok()) return r.fail(DecodeError::kBadInterfacePointer);
  out = *unmarshaled;
  return Status::Ok();
}

void free_interface(IUnknown* p) noexcept {
  if (p != nullptr && !is_pending_referent(p)) p->Release();
}

}  // namespace guise::ndr
