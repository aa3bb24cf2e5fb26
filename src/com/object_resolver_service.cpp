#include "com/object_resolver_service.h"

#include <cstring>

#include "com/orpc_headers.h"
#include "com/security_settings.h"
#include "com/peer.h"
#include "rpc/ndr_interface.h"

namespace guise::com {
namespace {

inline constexpr error_status_t kErrorNotEnoughMemory = 8;
inline constexpr error_status_t kOrInvalidOxid = 1910;
inline constexpr error_status_t kRpcSInvalidArg = 87;  // ERROR_INVALID_PARAMETER

PeerKey caller_of(handle_t h) {
  const rpc::ServerCall* call = rpc::server_call_from(h);
  return call != nullptr ? peer_of(call->attributes()) : PeerKey{PeerKey::Kind::kAnonymous, 0, 0, {}};
}

// The string bindings of `all` whose tower the client asked for (all of them when it named none we
// have), followed by every security binding.
DualStringArray filtered(const DualStringArray& all, const USHORT* towers, USHORT count) {
  DualStringArray out;
  out.security = all.security;
  for (const auto& entry : all.strings) {
    for (USHORT i = 0; i < count; ++i) {
      if (towers[i] == entry.tower_id) {
        out.strings.push_back(entry);
        break;
      }
    }
  }
  if (out.strings.empty()) out.strings = all.strings;
  return out;
}

}  // namespace

DUALSTRINGARRAY* allocate_dual_string_array(const DualStringArray& dsa) {
  const DualStringArrayWords words = encode_words(dsa);
  const std::size_t bytes =
      std::max(sizeof(DUALSTRINGARRAY), offsetof(DUALSTRINGARRAY, aStringArray) + words.words.size() * sizeof(USHORT));
  auto* out = static_cast<DUALSTRINGARRAY*>(CoTaskMemAlloc(bytes));
  if (out == nullptr) return nullptr;
  out->wNumEntries = static_cast<USHORT>(words.words.size());
  out->wSecurityOffset = words.security_offset;
  std::memcpy(out->aStringArray, words.words.data(), words.words.size() * sizeof(USHORT));
  return out;
}

error_status_t ObjectResolverService::ResolveOxid2(handle_t, OXID* pOxid, USHORT cRequestedProtseqs,
                                                   USHORT arRequestedProtseqs[], DUALSTRINGARRAY** ppdsaOxidBindings,
                                                   IPID* pipidRemUnknown, DWORD* pAuthnHint, COMVERSION* pComVersion) {
  *ppdsaOxidBindings = nullptr;
  *pipidRemUnknown = GUID_NULL;
  *pAuthnHint = 0;
  *pComVersion = {kComVersionMajor, kComVersionMinor};
  // Every apartment of this process is an OXID (the MTA's and each exporting STA's), served on the same
  // endpoints; each has its own IRemUnknown IPID, dispatched in that apartment.
  const std::optional<Ipid> rem_unknown = exporter_.rem_unknown_of(*pOxid);
  if (!rem_unknown) return kOrInvalidOxid;
  *ppdsaOxidBindings = allocate_dual_string_array(filtered(bindings_(), arRequestedProtseqs, cRequestedProtseqs));
  if (*ppdsaOxidBindings == nullptr) return kErrorNotEnoughMemory;
  *pipidRemUnknown = *rem_unknown;
  *pAuthnHint = advertised_authn_level();
  return 0;
}

error_status_t ObjectResolverService::ResolveOxid(handle_t h, OXID* pOxid, USHORT cRequestedProtseqs,
                                                  USHORT arRequestedProtseqs[], DUALSTRINGARRAY** ppdsaOxidBindings,
                                                  IPID* pipidRemUnknown, DWORD* pAuthnHint) {
  COMVERSION ignored{};
  return ResolveOxid2(h, pOxid, cRequestedProtseqs, arRequestedProtseqs, ppdsaOxidBindings, pipidRemUnknown,
                      pAuthnHint, &ignored);
}

error_status_t ObjectResolverService::SimplePing(handle_t h, SETID* pSetId) {
  return exporter_.simple_ping(caller_of(h), *pSetId);
}

error_status_t ObjectResolverService::ComplexPing(handle_t h, SETID* pSetId, USHORT, USHORT cAddToSet,
                                                  USHORT cDelFromSet, OID AddToSet[], OID DelFromSet[],
                                                  USHORT* pPingBackoffFactor) {
  *pPingBackoffFactor = 0;
  // [unique] arrays: NULL with a nonzero count is a malformed request, not a crash.
  if ((cAddToSet > 0 && AddToSet == nullptr) || (cDelFromSet > 0 && DelFromSet == nullptr)) return kRpcSInvalidArg;
  std::uint64_t set_id = *pSetId;
  const std::uint32_t result = exporter_.complex_ping(caller_of(h), set_id, std::span<const Oid>(AddToSet, cAddToSet),
                                                      std::span<const Oid>(DelFromSet, cDelFromSet));
  *pSetId = set_id;
  return result;
}

error_status_t ObjectResolverService::ServerAlive(handle_t) { return 0; }

error_status_t ObjectResolverService::ServerAlive2(handle_t, COMVERSION* pComVersion, DUALSTRINGARRAY** ppdsaOrBindings,
                                                   DWORD* pReserved) {
  *pComVersion = {kComVersionMajor, kComVersionMinor};
  *pReserved = 0;
  *ppdsaOrBindings = allocate_dual_string_array(bindings_());
  return *ppdsaOrBindings == nullptr ? kErrorNotEnoughMemory : 0;
}

}  // namespace guise::com
