// probe_class.h: a class of SecurityProbe objects for the activation tests of call security (tests
// only, spec R55). guise-callsec-server --class registers its factory with CoRegisterClassObject;
// every CreateInstance records who the kernel attested for the activation call (the caller's
// QueryBlanket pPrivs), which the server's "creator" command reports.
// Thread-safety: the factory and the record may be used from any thread.
#pragma once

#include <string>

#include "guise/implements.h"
#include "guise/objbase.h"

namespace guise::com::testing {

// {6a1f0c52-3d4e-4c8a-9b1e-0d2c4e5f6b02}
inline constexpr CLSID kClsidSecurityProbe = {0x6a1f0c52, 0x3d4e, 0x4c8a, {0x9b, 0x1e, 0x0d, 0x2c, 0x4e, 0x5f, 0x6b, 0x02}};

// A new factory for kClsidSecurityProbe.
ComPtr<IClassFactory> new_probe_factory();
// The client principal of the last CreateInstance call, "none" before the first.
std::string last_creator();

}  // namespace guise::com::testing
