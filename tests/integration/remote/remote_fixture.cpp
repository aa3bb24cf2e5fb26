#include "integration/remote/remote_fixture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "rpc/gssapi/gss_client.h"
#include "rpc/gssapi/gss_server.h"
#include "rpc/string_binding.h"

namespace guise::rpc::testing {

std::string RemoteTest::skip_reason_;

void RemoteTest::SetUpTestSuite() {
  if (::geteuid() != 0) {
    skip_reason_ = "needs root (switches to the mapped users' uids)";
    return;
  }
  if (auto why = TestRealm::start()) skip_reason_ = *why;
}

void RemoteTest::TearDownTestSuite() { TestRealm::stop(); }

gssapi::ServerConfig RemoteTest::server_config() {
  gssapi::ServerConfig c;
  c.keytab = TestRealm::path("server.keytab");
  c.ntlm_user_file = TestRealm::path("ntlm_users");
  c.ntlm_domain = kNtlmDomain;
  c.local_users_file = TestRealm::path("local_users");
  return c;
}

void RemoteTest::SetUp() {
  if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  server_ = std::make_unique<Server>(server_options());
  ASSERT_TRUE(server_->register_interface(probe_interface()).ok());
  Status added = gssapi::add_gss_providers(*server_, server_config());
  ASSERT_TRUE(added.ok()) << added.to_string();
  auto bound = server_->listen("ncacn_ip_tcp:127.0.0.1[0]");
  ASSERT_TRUE(bound.ok()) << bound.status().to_string();
  auto parsed = StringBinding::parse(*bound);
  ASSERT_TRUE(parsed.ok());
  port_ = std::stoi(parsed->endpoint);
  ASSERT_TRUE(server_->start().ok());
}

void RemoteTest::TearDown() {
  if (server_) server_->stop();
}

Client RemoteTest::client(std::uint8_t auth_type, AuthnLevel level, const RealmUser& user,
                          identity::ImpersonationLevel imp, int port, const char* password) {
  gssapi::ClientCredentials creds;
  creds.user = user.name;
  creds.password = password ? password : user.password;
  if (auth_type == kAuthTypeNtlm) creds.domain = kNtlmDomain;
  if (auth_type != kAuthTypeNtlm) creds.target = "host@localhost";
  ClientOptions options;
  options.security = gssapi::make_client_security(auth_type, creds);
  options.call_timeout = std::chrono::seconds(20);  // never a hang
  auto c = Client::create("ncacn_ip_tcp:127.0.0.1[" + std::to_string(port ? port : port_) + "]",
                          AuthInfo{level, imp, 0}, options);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return std::move(c).value();
}

std::string RemoteTest::private_file(uid_t uid) {
  std::string path = TestRealm::path("private-" + std::to_string(uid));
  std::ofstream(path) << "secret of " << uid << "\n";
  EXPECT_EQ(::chown(path.c_str(), uid, uid), 0);
  EXPECT_EQ(::chmod(path.c_str(), 0400), 0);
  return path;
}

}  // namespace guise::rpc::testing

