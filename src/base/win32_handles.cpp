// CloseHandle (handleapi.h) over the process's HandleTable.
#include "base/handle_table.h"
#include "guise/errhandlingapi.h"
#include "guise/handleapi.h"
#include "guise/winerror.h"

extern "C" BOOL WINAPI CloseHandle(HANDLE hObject) {
  if (!guise::HandleTable::process().close(hObject)) {
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  return TRUE;
}
