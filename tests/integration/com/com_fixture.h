// com_fixture.h: what every COM remoting integration test starts from (tests only): fast pings for
// the whole test process and its children, an MTA on the test thread, and helpers to start a
// guise-com-test-server and get a proxy to its root object.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "comtest.h"
#include "guise/com_ptr.h"
#include "guise/objbase.h"
#include "integration/com/test_process.h"

namespace guise::com::testing {

// Ping period the tests run with (set before the runtime first reads it, inherited by children).
// 1 s × 3: a killed client's objects go within seconds, and a slow (sanitized, loaded) test still
// pings what it unmarshaled long before the grace period ends.
inline constexpr const char* kTestPingPeriodMs = "1000";
inline constexpr const char* kTestPingMisses = "3";

void use_test_ping_settings();

struct ServerHandle {
  std::unique_ptr<TestProcess> process;
  std::string objref;
  pid_t pid = 0;
  std::string registered;  // the HRESULT CoRegisterClassObject returned, as hex ("" if not asked)
};

struct ServerOptions {
  std::vector<std::string> args;  // after the program name, e.g. {"--register", "multiple"}
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<std::string> env;   // "NAME=value" for the server only
};

// Starts guise-com-test-server and reads its root OBJREF (and "registered hr=" when --register).
ServerHandle start_server(const ServerOptions& options = {});

ComPtr<ITestObject> unmarshal_root(const ServerHandle& server);

class ComTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { use_test_ping_settings(); }
  void SetUp() override { ASSERT_TRUE(SUCCEEDED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))); }
  void TearDown() override { CoUninitialize(); }
};

}  // namespace guise::com::testing
