// test_realm.h: a real MIT Kerberos realm for tests — KDC on 127.0.0.1, users, keytabs (tests only).
//
// TestRealm::start() makes a temporary directory holding krb5.conf, kdc.conf, the KDC database, a
// service keytab (host/localhost) and a gss-ntlmssp user file, points this process at them
// (KRB5_CONFIG, KRB5_KDC_PROFILE: nothing system-wide is read or written), creates principals with
// kadmin.local and runs krb5kdc in the foreground as a child, waiting (bounded, by polling its port)
// until it accepts connections. stop() ends the KDC and removes the directory. Call start() before
// any thread exists (it sets environment variables). One realm per test program: KDC start-up is
// the slow part.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace guise::rpc::testing {

struct RealmUser {
  const char* name;
  const char* password;
  uid_t uid;
};

// The users every remote test knows: Kerberos principals (name@GUISE.TEST), NTLM users
// (GUISETEST\name) and local users (the local users file maps name → uid:uid).
inline constexpr RealmUser kAlice{"alice", "alice-Pw1", 41011};
inline constexpr RealmUser kBob{"bob", "bob-Pw2", 41012};
inline constexpr RealmUser kCarol{"carol", "carol-Pw3", 0};  // a principal no local user matches
inline constexpr const char* kRealmName = "GUISE.TEST";
inline constexpr const char* kNtlmDomain = "GUISETEST";
inline constexpr const char* kServicePrincipal = "host/localhost";

class TestRealm {
 public:
  // nullopt and a reason when a tool is missing (the test then skips) or the KDC does not come up.
  static std::optional<std::string> start();
  static void stop();
  static bool running();
  static const std::string& dir();
  static std::string path(const std::string& name) { return dir() + "/" + name; }
  static int kdc_port();
  // kinit `user` into `ccache` with its password; returns kinit's exit code.
  static int kinit(const RealmUser& user, const std::string& ccache);
};

}  // namespace guise::rpc::testing
