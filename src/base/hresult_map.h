// hresult_map.h: the one place that translates between guise's Status and COM's HRESULT.
//
// status_to_hresult: a Status that carries an exact HRESULT (the spec prescribed one) yields it;
// otherwise its code maps through one table; OK → S_OK. hresult_to_status: the reverse for HRESULTs
// arriving from a peer; unknown failure codes map to kInternal carrying the original value, so nothing
// is lost. Pure functions: safe from any thread.
#pragma once

#include "base/status.h"
#include "guise/winerror.h"

namespace guise {

HRESULT status_to_hresult(const Status& status) noexcept;
Status hresult_to_status(HRESULT hr);
// The HRESULT a bare code maps to (the table both functions use).
HRESULT default_hresult(StatusCode code) noexcept;
// The symbolic name of a known HRESULT ("E_ACCESSDENIED"), or "0x%08X" text for others.
std::string hresult_name(HRESULT hr);

}  // namespace guise
