// CoInitialize, CoInitializeEx, CoUninitialize and CoWaitForMultipleHandles (combaseapi.h).
#include <memory>
#include <vector>

#include "base/handle_table.h"
#include "com/apartment.h"
#include "com/modal_wait.h"
#include "guise/combaseapi.h"
#include "guise/synchapi.h"

namespace {
constexpr DWORD kCoInitFlags = COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE | COINIT_SPEED_OVER_MEMORY;
constexpr DWORD kCoWaitFlags = COWAIT_WAITALL | COWAIT_ALERTABLE | COWAIT_INPUTAVAILABLE | COWAIT_DISPATCH_CALLS |
                               COWAIT_DISPATCH_WINDOW_MESSAGES;
}  // namespace

extern "C" {

HRESULT STDAPICALLTYPE CoInitialize(LPVOID pvReserved) { return CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED); }

HRESULT STDAPICALLTYPE CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit) {
  if (pvReserved != nullptr || (dwCoInit & ~kCoInitFlags) != 0) return E_INVALIDARG;
  using guise::com::ApartmentKind;
  return guise::com::detail::initialize_thread((dwCoInit & COINIT_APARTMENTTHREADED) != 0 ? ApartmentKind::kSta
                                                                                         : ApartmentKind::kMta);
}

void STDAPICALLTYPE CoUninitialize(void) { guise::com::detail::uninitialize_thread(); }

HRESULT STDAPICALLTYPE CoWaitForMultipleHandles(DWORD dwFlags, DWORD dwTimeout, ULONG cHandles, LPHANDLE pHandles,
                                                LPDWORD lpdwindex) {
  if (pHandles == nullptr || lpdwindex == nullptr || (dwFlags & ~kCoWaitFlags) != 0) return E_INVALIDARG;
  if (cHandles == 0) return RPC_E_NO_SYNC;
  if (cHandles > MAXIMUM_WAIT_OBJECTS) return E_INVALIDARG;
  // The shared references keep every event alive for the whole wait, even if a handle is closed.
  std::vector<std::shared_ptr<guise::Waitable>> held;
  std::vector<guise::Waitable*> objects;
  held.reserve(cHandles);
  objects.reserve(cHandles);
  for (ULONG i = 0; i < cHandles; ++i) {
    auto object = guise::HandleTable::process().find_as<guise::Waitable>(pHandles[i]);
    if (!object) return E_HANDLE;
    objects.push_back(object.get());
    held.push_back(std::move(object));
  }
  auto index = guise::com::modal_wait_objects(objects, (dwFlags & COWAIT_WAITALL) != 0,
                                              guise::deadline_after_ms(dwTimeout));
  if (!index.ok()) {
    if (index.status().code() == guise::StatusCode::kInvalidInput) return E_INVALIDARG;  // duplicate in a wait-all
    return index.status().hresult().value_or(E_FAIL);
  }
  *lpdwindex = static_cast<DWORD>(*index);
  return S_OK;
}

}  // extern "C"
