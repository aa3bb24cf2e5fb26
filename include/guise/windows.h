// windows.h: the one include a Windows program starts with, pulling in what guise implements.
//
// Brings the base types, error codes, handles, events and waits, thread and process ids and the
// last-error value; and, unless WIN32_LEAN_AND_MEAN is defined (as on Windows, where windows.h then
// skips ole2.h), the COM surface of objbase.h. Only the parts of Win32 that COM code uses exist here:
// guise is not a Win32 emulation. Declarations only: see each header for its thread-safety.
#pragma once

#include "guise/errhandlingapi.h"
#include "guise/handleapi.h"
#include "guise/minwinbase.h"
#include "guise/processthreadsapi.h"
#include "guise/synchapi.h"
#include "guise/winerror.h"
#include "guise/wtypes.h"

#ifndef WIN32_LEAN_AND_MEAN
#include "guise/objbase.h"
#endif
