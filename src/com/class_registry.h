// class_registry.h: the class objects this process registered with CoRegisterClassObject.
//
// A registration with CLSCTX_LOCAL_SERVER is published in the class directory (class_directory.h)
// as a table-strong OBJREF of the class object — unless registered REGCLS_SUSPENDED, in which case
// CoResumeClassObjects publishes it. Every registration also answers CoGetClassObject from this
// process itself. REGCLS_SINGLEUSE: the first CreateInstance through any client takes the entry out
// of the directory (one client per server process, as on Windows; later clients find no server).
// Revoking unpublishes the entry (if it is still ours) and ends the table marshal, so the class
// object is released once no client holds it. At process exit every registration is revoked, so a
// server that exits normally leaves no stale entry (one that is killed does; clients refuse it).
// Thread-safety: all members.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "com/objref.h"
#include "guise/com_ptr.h"
#include "guise/objidl.h"

namespace guise::com {

class Runtime;

class ClassRegistry {
 public:
  static ClassRegistry& instance();

  HRESULT register_class(const CLSID& clsid, IUnknown* object, DWORD context, DWORD flags, DWORD* cookie);
  HRESULT revoke(DWORD cookie);
  HRESULT resume_all();
  HRESULT suspend_all();
  // CoAddRefServerProcess / CoReleaseServerProcess (at zero: every class object is suspended).
  ULONG add_ref_server_process();
  ULONG release_server_process();
  // The class object this process registered for `clsid` in a context overlapping `context`.
  ComPtr<IUnknown> find(const CLSID& clsid, DWORD context);
  // The class object other processes may activate now (CLSCTX_LOCAL_SERVER, not suspended, not a
  // consumed single-use one): what the directory entry names.
  ComPtr<IUnknown> find_published(const CLSID& clsid);
  // Called once by a single-use class object's first CreateInstance.
  void single_use_consumed(DWORD cookie);
  void revoke_all();

 private:
  struct Registration {
    CLSID clsid{};
    ComPtr<IUnknown> object;  // what CoGetClassObject in this process returns
    ComPtr<IUnknown> exported;  // what the directory entry names (a single-use wrapper, or object)
    DWORD context = 0;
    DWORD flags = 0;
    bool published = false;
    bool consumed = false;
    std::string directory;
    ObjRef objref;
    std::vector<std::byte> objref_bytes;
  };
  ClassRegistry() = default;
  Status publish_locked(Registration& r);
  void unpublish_locked(Registration& r);

  std::mutex mu_;
  DWORD next_cookie_ = 1;
  std::map<DWORD, Registration> registrations_;
  ULONG server_process_refs_ = 0;
};

}  // namespace guise::com
