// memory_stream.h: IStream over an HGLOBAL — CreateStreamOnHGlobal's stream, the one COM code uses to
// carry marshaled interface pointers (CoMarshalInterThreadInterfaceInStream) and blobs.
//
// Behaves as Windows' does: reads stop at the end (S_OK with fewer bytes), writes past the end grow
// the block, Seek accepts any 64-bit origin/offset pair that lands at or above 0 (past the end is
// allowed; a later write fills the gap with zeros), Stat reports STGTY_STREAM and the size, Clone
// shares the block with its own seek pointer, CopyTo reads from here and writes to the target,
// Commit/Revert do nothing, LockRegion is STG_E_INVALIDFUNCTION. The block is freed with the last
// stream sharing it when fDeleteOnRelease was TRUE. Thread-safety: a stream serialises its own
// calls; clones share the block under the same lock.
#pragma once

#include "guise/objidl.h"

namespace guise::com {

// CreateStreamOnHGlobal without the COM entry point's argument checks.
HRESULT create_memory_stream(HGLOBAL block, bool delete_on_release, IStream** out);
// The block under a stream made by create_memory_stream (E_INVALIDARG for other streams).
HRESULT memory_stream_block(IStream* stream, HGLOBAL* out);

}  // namespace guise::com
