// orpc_headers.h: ORPCTHIS and ORPCTHAT (MS-DCOM §2.2.13), the implicit first parameter of every
// ORPC request and response.
//
// An ORPC request body is ORPCTHIS followed by the method's [in] parameters; a response body is
// ORPCTHAT, the [out] parameters and the HRESULT — one NDR stream each. Generated proxies and stubs
// (ndr/proxy_registry.h) marshal only the parameters, so the channel (client) and the dispatcher
// (server) put these headers in front. A well-formed header is always a multiple of 8 bytes (the
// extension arrays are padded), so the parameters keep their NDR alignment when they start right
// after it; a header that leaves the stream misaligned is refused.
//
// Encoding and decoding go through the types guise-midl generated from idl/orpc.idl; decoding also
// checks what the generated code cannot: extension sizes whose padding would wrap 32 bits, and the
// ComLimits bounds on extensions. guise understands no extension and drops them (§2.2.21.1 allows
// ignoring unknown ones). Nothing in these headers is ever used as identity. Pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "com/limits.h"
#include "guise/guiddef.h"
#include "ndr/reader.h"
#include "ndr/writer.h"

namespace guise::com {

// The COM version guise speaks (and advertises in ResolveOxid2/ServerAlive2): 5.7 (§1.7).
inline constexpr std::uint16_t kComVersionMajor = 5;
inline constexpr std::uint16_t kComVersionMinor = 7;
// ORPCTHIS.flags (§2.2.13.1).
inline constexpr std::uint32_t kOrpcfNull = 0x0;
inline constexpr std::uint32_t kOrpcfLocal = 0x1;

struct OrpcExtent {
  GUID id{};
  std::vector<std::byte> data;  // `size` bytes; the wire pads to 8
};

struct OrpcThis {
  std::uint16_t version_major = kComVersionMajor;
  std::uint16_t version_minor = kComVersionMinor;
  std::uint32_t flags = kOrpcfNull;
  std::uint32_t reserved1 = 0;
  GUID cid{};  // causality id
  std::vector<OrpcExtent> extensions;
};

struct OrpcThat {
  std::uint32_t flags = 0;
  std::vector<OrpcExtent> extensions;
};

void put_orpcthis(ndr::Writer& w, const OrpcThis& header);
// The 32-byte ORPCTHIS of a request without extensions (what every guise proxy sends), appended to
// `out` — the same bytes put_orpcthis writes, without an ndr::Writer.
inline constexpr std::size_t kOrpcThisSize = 32;
void append_orpcthis(std::vector<std::byte>& out, std::uint32_t flags, const GUID& cid);
void put_orpcthat(ndr::Writer& w, const OrpcThat& header);

// Read the header at the start of the reader's body. Bad NDR is RPC_X_BAD_STUB_DATA; a stream left
// misaligned for the parameters, or extensions beyond `limits`, are bad stub data too.
[[nodiscard]] Status get_orpcthis(ndr::Reader& r, OrpcThis& out, const ComLimits& limits);
[[nodiscard]] Status get_orpcthat(ndr::Reader& r, OrpcThat& out, const ComLimits& limits);

// MS-DCOM §3.1.1.5.4 capability negotiation: a different major version or a higher minor version
// than ours → RPC_E_VERSION_MISMATCH.
[[nodiscard]] Status check_client_version(const OrpcThis& header);

}  // namespace guise::com
