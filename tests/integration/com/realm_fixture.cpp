#include "integration/com/realm_fixture.h"

#include <unistd.h>

namespace guise::com::testing {

using rpc::testing::TestRealm;

std::string* RealmCallSecurityTest::skip_reason_ = nullptr;

void RealmCallSecurityTest::SetUpTestSuite() {
  if (::geteuid() != 0) return;
  if (auto why = TestRealm::start()) skip_reason_ = new std::string(*why);
}

void RealmCallSecurityTest::TearDownTestSuite() {
  TestRealm::stop();
  delete skip_reason_;
  skip_reason_ = nullptr;
}

void RealmCallSecurityTest::SetUp() {
  CallSecurityTest::SetUp();
  if (IsSkipped()) return;
  if (skip_reason_ != nullptr) GTEST_SKIP() << *skip_reason_;
}

bool RealmCallSecurityTest::tickets(const rpc::testing::RealmUser& user, uid_t local_uid) {
  const std::string cache = TestRealm::path("krb5cc_" + std::to_string(local_uid));
  if (TestRealm::kinit(user, "FILE:" + cache) != 0) return false;
  return ::chown(cache.c_str(), local_uid, local_uid) == 0;
}

std::string RealmCallSecurityTest::runs(SecurityServer& server) {
  if (!server.process->send("runs")) return "";
  return server.process->wait_for("runs=").value_or("");
}

}  // namespace guise::com::testing
