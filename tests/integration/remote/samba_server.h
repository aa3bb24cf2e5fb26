// samba_server.h: Samba's samba-dcerpcd on 127.0.0.1, started and torn down by a test (tests only).
//
// start() makes a temporary directory holding smb.conf and every directory Samba writes (private,
// lock, state, cache, pid, ncalrpc, logs), a passdb (tdbsam) with alice's NTLM password made by
// pdbedit, and runs samba-dcerpcd standalone (`rpc start on demand helpers = false`) in the
// foreground with the rpcd_classic helper (wkssvc, srvsvc, …) and rpcd_winreg (which rpcd_classic's
// svcctl needs at start-up). Nothing system-wide is read for users or written:
//  - users come from nss_wrapper (Debian libnss-wrapper: LD_PRELOAD with NSS_WRAPPER_PASSWD/GROUP
//    files in the directory), so alice (uid 41011) needs no /etc/passwd entry and no useradd;
//  - the rpcd_* helpers log to the compiled-in /var/log/samba whatever smb.conf says, so Samba runs
//    in its own mount namespace (unshare) with the directory's log folder bound over /var/log/samba.
// Its TCP endpoints are two adjacent free high ports (`rpc server dynamic port range`); no port 135
// and no epmapper: the test finds which port serves wkssvc by binding to it. stop() ends the process
// group Samba runs in and removes the directory (kept, logs and all, when GUISE_KEEP_SAMBA_DIR is
// set). With a TestRealm running, Samba also accepts Kerberos: `realm`, and `kerberos method =
// dedicated keytab` with the realm's host/localhost keys. Every wait is bounded.
#pragma once

#include <optional>
#include <string>

#include "guise/guiddef.h"

namespace guise::rpc::testing {

inline constexpr const char* kSambaNetbiosName = "GUISESAMBA";
inline constexpr const char* kSambaWorkgroup = "SAMBATEST";
inline constexpr const char* kSambaServerString = "guise interop peer";

class SambaServer {
 public:
  // nullopt once it serves; a reason when a tool is missing (the test then skips) or it does not come up.
  static std::optional<std::string> start();
  static void stop();
  // The ncacn_ip_tcp port on which `iface` (version major.minor) is accepted in a bind; 0 if none.
  static int port_for(const GUID& iface, std::uint16_t major, std::uint16_t minor);
  static const std::string& dir();
};

}  // namespace guise::rpc::testing
