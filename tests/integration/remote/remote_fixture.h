// remote_fixture.h: a guise server with the GSSAPI providers on 127.0.0.1, inside a test realm.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/remote/test_realm.h"
#include "integration/rpc/probe_interface.h"
#include "rpc/client.h"
#include "rpc/gssapi/gss_config.h"
#include "rpc/server.h"

namespace guise::rpc::testing {

class RemoteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;
  virtual ServerOptions server_options() { return {}; }

  static gssapi::ServerConfig server_config();
  // A client of the server (or of `port`) with `auth_type` and the user's password.
  Client client(std::uint8_t auth_type, AuthnLevel level, const RealmUser& user,
                identity::ImpersonationLevel imp = identity::ImpersonationLevel::kImpersonate, int port = 0,
                const char* password = nullptr);
  // A file only `uid` may read (mode 0400, owner uid), in the realm directory.
  static std::string private_file(uid_t uid);

  static std::string skip_reason_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

}  // namespace guise::rpc::testing
