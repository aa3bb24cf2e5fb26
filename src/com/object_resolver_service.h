// object_resolver_service.h: IObjectExporter (MS-DCOM §3.1.2.5.1) served by this process itself —
// OXID resolution and pinging without a central daemon.
//
// Every guise process that exports objects answers IObjectExporter on its own endpoint, the one its
// OBJREFs name in saResAddr. ResolveOxid(2) turns this process's OXID into its string bindings, the
// IPID of its IRemUnknown and an authentication hint; ServerAlive2 returns the bindings; SimplePing
// and ComplexPing keep ping sets (ObjectExporter). A plain DCE/RPC interface (no ORPCTHIS), served
// through the generated table. The caller's peer key (for set ownership and bounds) comes from the
// call's attested attributes, never from its arguments. Errors are Win32 codes, as on Windows:
// OR_INVALID_OXID for an OXID that is not ours, OR_INVALID_SET, OR_INVALID_OID, ERROR_ACCESS_DENIED.
// Thread-safety: calls may run concurrently.
#pragma once

#include <functional>

#include "com/dual_string_array.h"
#include "com/object_exporter.h"
#include "oxidresolver.h"

namespace guise::com {

class ObjectResolverService final : public IObjectExporter_Server {
 public:
  // `bindings` gives this process's DUALSTRINGARRAY. Every apartment's OXID resolves to these bindings
  // and its own IRemUnknown IPID (the exporter's); the authentication hint is the process's level (R43).
  ObjectResolverService(ObjectExporter& exporter, std::function<DualStringArray()> bindings)
      : exporter_(exporter), bindings_(std::move(bindings)) {}

  error_status_t ResolveOxid(handle_t hRpc, OXID* pOxid, USHORT cRequestedProtseqs, USHORT arRequestedProtseqs[],
                             DUALSTRINGARRAY** ppdsaOxidBindings, IPID* pipidRemUnknown, DWORD* pAuthnHint) override;
  error_status_t SimplePing(handle_t hRpc, SETID* pSetId) override;
  error_status_t ComplexPing(handle_t hRpc, SETID* pSetId, USHORT SequenceNum, USHORT cAddToSet, USHORT cDelFromSet,
                             OID AddToSet[], OID DelFromSet[], USHORT* pPingBackoffFactor) override;
  error_status_t ServerAlive(handle_t hRpc) override;
  error_status_t ResolveOxid2(handle_t hRpc, OXID* pOxid, USHORT cRequestedProtseqs, USHORT arRequestedProtseqs[],
                              DUALSTRINGARRAY** ppdsaOxidBindings, IPID* pipidRemUnknown, DWORD* pAuthnHint,
                              COMVERSION* pComVersion) override;
  error_status_t ServerAlive2(handle_t hRpc, COMVERSION* pComVersion, DUALSTRINGARRAY** ppdsaOrBindings,
                              DWORD* pReserved) override;

 private:
  ObjectExporter& exporter_;
  std::function<DualStringArray()> bindings_;
};

// A CoTaskMemAlloc'd DUALSTRINGARRAY holding `dsa` (nullptr when out of memory).
DUALSTRINGARRAY* allocate_dual_string_array(const DualStringArray& dsa);

}  // namespace guise::com
