// guise-filevault: the file-vault COM local server (docs/filevault.md). Runs as root (it needs
// CAP_SETUID and CAP_SETGID to become each caller), keeps files under one directory and serves
// CLSID_FileVault through the class directory.
//
//   guise-filevault [--vault DIR] [--sddl SDDL]
//
// --vault: the directory (default /var/lib/guise-filevault; made 01777 if missing: everyone may add
// files, only a file's owner may remove it). --sddl: the access descriptor for CoInitializeSecurity
// (default kDefaultAccess: everyone and anonymous callers may call, root administrates). Prints
// "ready" (and tells systemd READY=1) once the class is registered; stops on SIGTERM or SIGINT.
// Exit codes: 0 stopped cleanly, 1 setup failed (a log line says why), 3 bad arguments.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/utf16.h"
#include "file_vault.h"
#include "filevault.h"
#include "guise/objbase.h"
#include "guise/sddl.h"
#include "guise/windows.h"

namespace {

// Owner and group Local System (root); everyone and anonymous callers may call (COM_RIGHTS_EXECUTE);
// Local System also holds FILEVAULT_RIGHT_ADMIN (0x100), which Stats checks with AccessCheck.
constexpr const char* kDefaultAccess = "O:SYG:SYD:(A;;0x101;;;SY)(A;;0x1;;;WD)(A;;0x1;;;AN)";

int fail(const std::string& what) {
  std::fprintf(stderr, "guise-filevault: %s\n", what.c_str());
  return 1;
}

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(hr));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::string vault = "/var/lib/guise-filevault";
  std::string sddl = kDefaultAccess;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--vault" && i + 1 < argc) {
      vault = argv[++i];
    } else if (arg == "--sddl" && i + 1 < argc) {
      sddl = argv[++i];
    } else {
      std::fprintf(stderr, "usage: guise-filevault [--vault DIR] [--sddl SDDL]\n");
      return 3;
    }
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "guise-filevault: not root: every impersonation will fail (CO_E_FAILEDTOIMPERSONATE)\n");
  }
  // Blocked before COM starts its threads, so only sigwait below takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  if (::mkdir(vault.c_str(), 01777) == 0) ::chmod(vault.c_str(), 01777);  // mkdir's mode passes the umask
  const int dir = ::open(vault.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fail("cannot open vault " + vault + ": " + std::strerror(errno));

  HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(hr)) return fail("CoInitializeEx " + hex(hr));
  PSECURITY_DESCRIPTOR access = nullptr;
  const std::u16string text = guise::utf8_to_utf16(sddl);
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(text.c_str(), SDDL_REVISION_1, &access, nullptr)) {
    return fail("bad access descriptor " + sddl + " (error " + std::to_string(GetLastError()) + ")");
  }
  // Privacy for every call; clients' proxies default to identify, and each file method asks the
  // client for impersonation by impersonating (identify-level callers get the unprivileged identity).
  hr = CoInitializeSecurity(access, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_IDENTIFY,
                            nullptr, EOAC_NONE, nullptr);
  if (FAILED(hr)) return fail("CoInitializeSecurity " + hex(hr));

  guise::ComPtr<IClassFactory> factory = filevault::new_file_vault_factory(dir, access);
  if (!factory) return fail("new_file_vault_factory " + hex(E_OUTOFMEMORY));
  DWORD cookie = 0;
  hr = CoRegisterClassObject(CLSID_FileVault, factory.Get(), CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
  factory = nullptr;  // the class directory holds its own reference
  if (FAILED(hr)) return fail("CoRegisterClassObject " + hex(hr));
  std::printf("ready\n");
  std::fflush(stdout);
  sd_notify(0, "READY=1");

  int signal_number = 0;
  (void)sigwait(&stop, &signal_number);
  sd_notify(0, "STOPPING=1");
  CoRevokeClassObject(cookie);
  CoUninitialize();
  LocalFree(access);
  ::close(dir);
  return 0;
}
