// com_marshaler.h: interface pointers ↔ OBJREFs for this process — what CoMarshalInterface,
// CoUnmarshalInterface and every [in]/[out] interface pointer of a generated proxy or stub go through
// (the ndr::InterfaceMarshaler extension point).
//
// Marshaling an object of this process exports it (ObjectExporter) and writes an OBJREF_STANDARD
// naming this process's resolver; marshaling a proxy writes the real exporter's OBJREF (third-party
// marshaling, MS-DCOM §3.2.4.3) so the receiver calls the object's process directly. Unmarshaling an
// OBJREF of this process gives back the object itself; any other becomes a proxy (ClientSide).
// Interface pointers a stub sends back ([out]) are exported for the calling peer, which the
// per-peer export bound then counts. Bytes from peers are decoded with the OBJREF checks.
// Thread-safety: all members.
#pragma once

#include "com/objref.h"
#include "guise/com_ptr.h"
#include "ndr/interface_marshaler.h"

namespace guise::com {

enum class MarshalKind : std::uint8_t;
class Runtime;

class ComMarshaler final : public ndr::InterfaceMarshaler {
 public:
  explicit ComMarshaler(Runtime& runtime) : runtime_(runtime) {}

  [[nodiscard]] Result<std::vector<std::byte>> marshal_interface(IUnknown* object, const IID& iid) override;
  [[nodiscard]] Result<IUnknown*> unmarshal_interface(std::span<const std::byte> objref, const IID& iid) override;

  [[nodiscard]] Result<ObjRef> marshal(IUnknown* object, const IID& iid, MarshalKind kind);
  [[nodiscard]] Result<ComPtr<IUnknown>> unmarshal(const ObjRef& objref, const IID& iid);
  [[nodiscard]] Status release(const ObjRef& objref);
  // The size marshal() would produce for `object` (for CoGetMarshalSizeMax).
  [[nodiscard]] Result<std::size_t> marshal_size(IUnknown* object, const IID& iid);

 private:
  Runtime& runtime_;
};

}  // namespace guise::com
