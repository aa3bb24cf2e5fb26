#include "com/com_marshaler.h"

#include "com/call_frame.h"
#include "com/runtime.h"

namespace guise::com {

Result<ObjRef> ComMarshaler::marshal(IUnknown* object, const IID& iid, MarshalKind kind) {
  if (object == nullptr) return Status(StatusCode::kInvalidInput, "com: NULL interface pointer", E_INVALIDARG);
  ComPtr<IUnknown> identity;
  if (FAILED(object->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(identity.GetAddressOf()))) || !identity) {
    return Status(StatusCode::kNotFound, "com: QueryInterface(IID_IUnknown) failed", E_NOINTERFACE);
  }
  if (ComPtr<ProxyManager> manager = runtime_.client().manager_of(identity.Get())) {
    // A proxy: hand out the real exporter's reference (third-party marshaling). Table marshals of a
    // proxy become normal ones: the references travel with the OBJREF.
    return manager->marshal_for_third_party(iid);
  }
  GUISE_RETURN_IF_ERROR(runtime_.ensure_serving());
  GUISE_TRY(StdObjRef std, runtime_.exporter().export_interface(object, iid, kind, current_peer()));
  return ObjRef{iid, std, runtime_.bindings()};
}

Result<std::vector<std::byte>> ComMarshaler::marshal_interface(IUnknown* object, const IID& iid) {
  GUISE_TRY(ObjRef objref, marshal(object, iid, MarshalKind::kNormal));
  return encode_objref(objref);
}

Result<ComPtr<IUnknown>> ComMarshaler::unmarshal(const ObjRef& objref, const IID& iid) {
  // The object itself in its own apartment; anywhere else a proxy, even in this process (calls then
  // reach the object's apartment through this process's endpoint, as Windows' cross-apartment proxies).
  if (runtime_.exporter().is_current_apartment(objref.std.oxid)) {
    return runtime_.exporter().unmarshal_local(objref.std, iid);
  }
  return runtime_.client().unmarshal(objref, iid);
}

Result<IUnknown*> ComMarshaler::unmarshal_interface(std::span<const std::byte> bytes, const IID& iid) {
  GUISE_TRY(ObjRef objref, decode_objref(bytes, runtime_.limits()));
  GUISE_TRY(ComPtr<IUnknown> object, unmarshal(objref, iid));
  return object.Detach();
}

Status ComMarshaler::release(const ObjRef& objref) {
  if (runtime_.is_local_oxid(objref.std.oxid)) return runtime_.exporter().release_marshal_data(objref.std);
  return runtime_.client().release_marshal_data(objref);
}

Result<std::size_t> ComMarshaler::marshal_size(IUnknown* object, const IID& iid) {
  if (object == nullptr) return Status(StatusCode::kInvalidInput, "com: NULL interface pointer", E_INVALIDARG);
  ComPtr<IUnknown> identity;
  if (FAILED(object->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(identity.GetAddressOf()))) || !identity) {
    return Status(StatusCode::kNotFound, "com: QueryInterface(IID_IUnknown) failed", E_NOINTERFACE);
  }
  ObjRef shape;
  shape.iid = iid;
  if (ComPtr<ProxyManager> manager = runtime_.client().manager_of(identity.Get())) {
    shape.resolver = manager->oxid()->resolver_bindings();
  } else {
    GUISE_RETURN_IF_ERROR(runtime_.ensure_serving());
    shape.resolver = runtime_.bindings();
  }
  return encoded_size(shape);
}

}  // namespace guise::com
