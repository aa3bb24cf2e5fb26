// exit_codes.h: guisectl's exit statuses (docs/guisectl.md, guisectl(1)). Scripts test these, so
// values never change meaning; a new condition gets a new number.
#pragma once

namespace guisectl {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,       // anything not listed below (a malformed answer, out of memory)
  kExitUsage = 2,         // bad command line
  kExitNotFound = 3,      // no such class, process or endpoint
  kExitUnreachable = 4,   // nothing answers at the endpoint (stale entry, server gone, timeout)
  kExitRefused = 5,       // the server or the kernel refused (access denied, wrong server uid)
  kExitNoIntrospection = 6,  // the process does not serve introspection (GUISE_INTROSPECTION unset)
  kExitUntrusted = 7,     // classes: an entry failed a trust check or its endpoint is another uid's
};

}  // namespace guisectl
