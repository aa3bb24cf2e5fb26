// interface_marshaler.h: the extension point through which COM remoting marshals interface pointers.
//
// NDR itself knows an interface pointer only as an MInterfacePointer: a conformant blob
// {ulCntData; byte abData[ulCntData]} (MS-DCOM §2.2.14) that holds an OBJREF. Turning a live
// IUnknown* into that OBJREF (exporting the object, creating an IPID) and back (finding or creating
// a proxy) is the COM layer's job, so generated code calls whichever InterfaceMarshaler the Writer or
// Reader carries. Without one, marshaling a non-null interface pointer fails with kUnimplemented and
// unmarshaling one fails with DecodeError::kBadInterfacePointer: never a silent NULL.
// Implementations must be thread-safe; they are shared by concurrent calls.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "base/status.h"
#include "guise/unknwn.h"

namespace guise::ndr {

class InterfaceMarshaler {
 public:
  virtual ~InterfaceMarshaler() = default;
  // The OBJREF bytes for `object` seen as interface `iid`. `object` is not NULL.
  [[nodiscard]] virtual Result<std::vector<std::byte>> marshal_interface(IUnknown* object,
                                                                         const IID& iid) = 0;
  // An AddRef'd pointer for the OBJREF in `objref`, QueryInterface'd to `iid`. The bytes come from
  // the peer: validate them.
  [[nodiscard]] virtual Result<IUnknown*> unmarshal_interface(std::span<const std::byte> objref,
                                                              const IID& iid) = 0;
};

}  // namespace guise::ndr
