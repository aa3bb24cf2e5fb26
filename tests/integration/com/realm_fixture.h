// realm_fixture.h: the call-security tests that need a real Kerberos realm (tests only) — a MIT KDC
// started once per test suite (TestRealm), every test skipped with the realm's reason when it cannot
// start, and tickets for a realm user in the cache krb5.conf names for a local uid.
#pragma once

#include <sys/types.h>

#include <string>

#include "integration/com/call_security_fixture.h"
#include "integration/remote/test_realm.h"

namespace guise::com::testing {

class RealmCallSecurityTest : public CallSecurityTest {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // kinit as `user` into the cache krb5.conf's default_ccache_name gives `local_uid`, owned by it.
  static bool tickets(const rpc::testing::RealmUser& user, uid_t local_uid);
  // "runs=" of a guise-callsec-server: how many ISecurityProbe::Run calls it entered.
  static std::string runs(SecurityServer& server);

 private:
  static std::string* skip_reason_;
};

}  // namespace guise::com::testing
