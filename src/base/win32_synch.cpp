// Events and waits (synchapi.h) over base/event_object.h and base/object_wait.h.
#include <memory>
#include <vector>

#include "base/event_object.h"
#include "base/handle_table.h"
#include "base/object_wait.h"
#include "guise/errhandlingapi.h"
#include "guise/synchapi.h"

namespace {
using guise::Event;
using guise::HandleTable;
using guise::Waitable;

DWORD fail(DWORD error) {
  SetLastError(error);
  return WAIT_FAILED;
}

// The Win32 error a failed Status stands for: the one it carries, else a generic one.
DWORD win32_error_of(const guise::Status& status) {
  if (auto hr = status.hresult(); hr && HRESULT_FACILITY(*hr) == FACILITY_WIN32) return HRESULT_CODE(*hr);
  return status.code() == guise::StatusCode::kResourceExhausted ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_FUNCTION;
}

std::shared_ptr<Event> find_event(HANDLE handle) { return HandleTable::process().find_as<Event>(handle); }
}  // namespace

extern "C" {

HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES /*lpEventAttributes*/, BOOL bManualReset, BOOL bInitialState,
                           LPCWSTR lpName) {
  if (lpName != nullptr) {  // named events would be shared across processes: not a guise feature
    SetLastError(ERROR_NOT_SUPPORTED);
    return nullptr;
  }
  auto event = Event::create(bManualReset ? Event::Reset::kManual : Event::Reset::kAuto, bInitialState != FALSE);
  if (!event.ok()) {
    SetLastError(win32_error_of(event.status()));
    return nullptr;
  }
  return HandleTable::process().insert(std::move(event).value());
}

BOOL WINAPI SetEvent(HANDLE hEvent) {
  auto event = find_event(hEvent);
  if (!event) {
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  event->set();
  return TRUE;
}

BOOL WINAPI ResetEvent(HANDLE hEvent) {
  auto event = find_event(hEvent);
  if (!event) {
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  event->reset();
  return TRUE;
}

DWORD WINAPI WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds) {
  return WaitForMultipleObjects(1, &hHandle, FALSE, dwMilliseconds);
}

DWORD WINAPI WaitForMultipleObjects(DWORD nCount, const HANDLE* lpHandles, BOOL bWaitAll, DWORD dwMilliseconds) {
  if (nCount == 0 || nCount > MAXIMUM_WAIT_OBJECTS || lpHandles == nullptr) return fail(ERROR_INVALID_PARAMETER);
  // The shared references keep every object alive for the whole wait, even if a handle is closed.
  std::vector<std::shared_ptr<Waitable>> held;
  std::vector<Waitable*> objects;
  held.reserve(nCount);
  objects.reserve(nCount);
  for (DWORD i = 0; i < nCount; ++i) {
    auto object = HandleTable::process().find_as<Waitable>(lpHandles[i]);
    if (!object) return fail(ERROR_INVALID_HANDLE);
    objects.push_back(object.get());
    held.push_back(std::move(object));
  }
  auto outcome = guise::wait_for_objects(objects, bWaitAll != FALSE, guise::deadline_after_ms(dwMilliseconds));
  if (!outcome.ok()) {
    return fail(outcome.status().code() == guise::StatusCode::kInvalidInput ? ERROR_INVALID_PARAMETER
                                                                             : win32_error_of(outcome.status()));
  }
  switch (outcome->kind) {
    case guise::WaitOutcome::Kind::kObject:
      return WAIT_OBJECT_0 + static_cast<DWORD>(outcome->index);
    case guise::WaitOutcome::Kind::kTimeout:
      return WAIT_TIMEOUT;
    case guise::WaitOutcome::Kind::kWakeFd:
      break;
  }
  return fail(ERROR_INVALID_FUNCTION);  // no wake descriptors were given: unreachable
}

}  // extern "C"
