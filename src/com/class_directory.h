// class_directory.h: where local servers publish their class objects and clients find them — the
// daemon-less stand-in for the SCM's class table (docs/com.md, "Activation and the class directory").
//
// An entry is one file named after the CLSID ("{XXXXXXXX-...}") holding the class object's OBJREF
// (marshaled MSHLFLAGS_TABLESTRONG, so any number of clients can unmarshal it). Directories:
//   - GUISE_COM_CLASS_DIR when set: the only one, for publishing and lookup (tests, custom setups);
//   - otherwise servers publish in /run/guise/classes when running as root, else in
//     $XDG_RUNTIME_DIR/guise/classes; clients look in $XDG_RUNTIME_DIR/guise/classes, then
//     /run/guise/classes.
// Trust, checked on every lookup and never assumed: the directory is a real directory not writable
// by group or others; the entry is a regular file (not a symlink) owned by the directory's owner or
// by root, not writable by group or others, of bounded size, holding a well-formed OBJREF whose
// resolver is an ncalrpc endpoint on this host. Its owner is the identity the server must have: the
// client then requires the kernel-attested uid of every connection to that endpoint to be the
// owner's (rpc ClientOptions::expected_server_uid) — a stale entry (server gone) or an endpoint taken
// over by another uid is refused with CO_E_SERVER_EXEC_FAILURE, never trusted.
// Publishing writes a temporary file and renames it over the entry (readers never see half an entry);
// removal only deletes an entry that still holds what this process wrote. Thread-safety: functions
// act on the filesystem only; callers serialise their own publications.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "com/limits.h"
#include "com/objref.h"
#include "guise/guiddef.h"

namespace guise::com {

inline constexpr std::size_t kMaxClassEntryBytes = 64u << 10;

struct ClassEntry {
  ObjRef objref;
  uid_t owner = 0;  // the uid the server must be
  std::string path;
};

// The directory this process publishes in, created (0755) if missing. kAccessDenied if it exists
// but belongs to someone else or is writable by others; kNotFound when no directory applies (no
// GUISE_COM_CLASS_DIR, not root, no XDG_RUNTIME_DIR).
[[nodiscard]] Result<std::string> class_publish_directory();
// The directories a lookup searches, in order.
std::vector<std::string> class_lookup_directories();

[[nodiscard]] Status publish_class_entry(const std::string& directory, const CLSID& clsid,
                                         std::span<const std::byte> objref);
// Removes the entry if it still holds exactly `objref`.
void remove_class_entry(const std::string& directory, const CLSID& clsid, std::span<const std::byte> objref);

// The trusted entry for `clsid`: nullopt when no directory has one (REGDB_E_CLASSNOTREG); an error
// carrying CO_E_SERVER_EXEC_FAILURE when one exists but fails a trust check.
[[nodiscard]] Result<std::optional<ClassEntry>> find_class_entry(const CLSID& clsid, const ComLimits& limits);

}  // namespace guise::com
