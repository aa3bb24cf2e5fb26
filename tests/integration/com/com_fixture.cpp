#include "integration/com/com_fixture.h"

#include <cstdlib>

#include "integration/com/objref_text.h"

namespace guise::com::testing {

void use_test_ping_settings() {
  ::setenv("GUISE_COM_PING_PERIOD_MS", kTestPingPeriodMs, 1);
  ::setenv("GUISE_COM_PING_MISSES", kTestPingMisses, 1);
}

ServerHandle start_server(const ServerOptions& options) {
  ServerHandle handle;
  std::vector<std::string> argv{GUISE_COM_TEST_SERVER};
  argv.insert(argv.end(), options.args.begin(), options.args.end());
  handle.process = std::make_unique<TestProcess>(argv, options.uid, options.gid, options.env);
  if (!options.args.empty() && options.args.front() == "--register") {
    if (auto hr = handle.process->wait_for("registered hr=")) handle.registered = *hr;
  }
  if (auto pid = handle.process->wait_for("pid=")) handle.pid = static_cast<pid_t>(std::stol(*pid));
  if (auto objref = handle.process->wait_for("objref=")) handle.objref = *objref;
  (void)handle.process->wait_for("ready");
  return handle;
}

ComPtr<ITestObject> unmarshal_root(const ServerHandle& server) {
  ComPtr<ITestObject> root;
  const HRESULT hr = unmarshal_from_hex(server.objref, IID_ITestObject, reinterpret_cast<void**>(root.GetAddressOf()));
  EXPECT_EQ(hr, S_OK) << "unmarshaling the server's root object";
  return root;
}

}  // namespace guise::com::testing
