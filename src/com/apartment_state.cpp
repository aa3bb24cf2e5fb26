// TODO(apartments): stand-in for CoInitializeEx/CoUninitialize until the apartment work lands.
#include "com/apartment_state.h"

#include "guise/objbase.h"

namespace guise::com {
namespace {
thread_local ApartmentKind t_kind = ApartmentKind::kNone;
thread_local std::uint32_t t_init_count = 0;
}  // namespace

ApartmentKind current_apartment() noexcept { return t_kind; }

DispatchApartmentScope::DispatchApartmentScope() noexcept : previous_(t_kind), previous_count_(t_init_count) {
  t_kind = ApartmentKind::kMta;
  t_init_count = 1;
}

DispatchApartmentScope::~DispatchApartmentScope() {
  t_kind = previous_;
  t_init_count = previous_count_;
}

}  // namespace guise::com

using guise::com::ApartmentKind;

extern "C" HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit) {
  if (pvReserved != nullptr) return E_INVALIDARG;
  const ApartmentKind wanted =
      (dwCoInit & COINIT_APARTMENTTHREADED) != 0 ? ApartmentKind::kSta : ApartmentKind::kMta;
  if (guise::com::t_init_count > 0) {
    if (guise::com::t_kind != wanted) return RPC_E_CHANGED_MODE;
    ++guise::com::t_init_count;
    return S_FALSE;
  }
  guise::com::t_kind = wanted;
  guise::com::t_init_count = 1;
  return S_OK;
}

extern "C" HRESULT CoInitialize(LPVOID pvReserved) { return CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED); }

extern "C" void CoUninitialize(void) {
  if (guise::com::t_init_count == 0) return;
  if (--guise::com::t_init_count == 0) guise::com::t_kind = ApartmentKind::kNone;
}
