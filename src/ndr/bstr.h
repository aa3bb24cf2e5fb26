// bstr.h: BSTR on the wire (MS-OAUT §2.2.23): a unique pointer to a FLAGGED_WORD_BLOB.
//
// typedef [unique] FLAGGED_WORD_BLOB* BSTR, with FLAGGED_WORD_BLOB = {cBytes; clSize;
// [size_is(clSize)] unsigned short asData[]}, a conformant structure (max_count hoisted first).
// The pointer is never NULL on the wire: a NULL BSTR is a blob with cBytes 0xFFFFFFFF and clSize 0
// (MS-OAUT §2.2.23.2). clSize is cBytes/2 rounded up. Like every pointer it has a flat part (the
// referent id) and a deferred part (the blob), so a BSTR embedded in a structure is marshaled in two
// steps. Decoding makes a SysAllocStringByteLen BSTR, freed with SysFreeString; clSize must be
// cBytes/2 rounded up (else kConformanceMismatch). Stateless.
#pragma once

#include "base/status.h"
#include "guise/wtypes.h"
#include "ndr/reader.h"
#include "ndr/writer.h"

namespace guise::ndr {

void put_bstr_flat(Writer& w, BSTR s);
void put_bstr_deferred(Writer& w, BSTR s);

// The flat part: records in `out` whether a blob follows (pending marker) or not (a NULL pointer,
// which a Windows peer never sends but C706 allows for a unique pointer; it decodes as a NULL BSTR).
[[nodiscard]] Status get_bstr_flat(Reader& r, BSTR& out);
[[nodiscard]] Status get_bstr_deferred(Reader& r, BSTR& out);

// SysFreeString unless `s` is NULL or the pending marker.
void free_bstr(BSTR s) noexcept;

}  // namespace guise::ndr
