// COM remoting between real processes in the MTA: a guise-com-test-server exports a TestObject
// (comtest.idl); this process unmarshals its OBJREF and calls it through the generated proxy,
// exchanges interface pointers both ways, and watches the server release what it no longer needs.
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "com/call_failure.h"
#include "com/runtime.h"
#include "integration/com/com_fixture.h"
#include "integration/com/objref_text.h"
#include "integration/com/test_object.h"

namespace guise::com::testing {
namespace {

using ComRemoting = ComTest;

TEST_F(ComRemoting, CallsAnObjectInAnotherProcessThroughItsOwnResolver) {
  ServerHandle server = start_server();
  ASSERT_FALSE(server.objref.empty()) << "the server printed no OBJREF";
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  LONG sum = 0;
  EXPECT_EQ(root->Add(40, 2, &sum), S_OK);
  EXPECT_EQ(sum, 42);
  ULONG caller_pid = 0, caller_uid = 0, server_pid = 0;
  ASSERT_EQ(root->WhoCalls(&caller_pid, &caller_uid, &server_pid), S_OK);
  EXPECT_EQ(server_pid, static_cast<ULONG>(server.pid)) << "the call did not run in the server process";
  EXPECT_EQ(caller_pid, static_cast<ULONG>(::getpid())) << "the kernel attests this process as the caller";
  EXPECT_EQ(caller_uid, static_cast<ULONG>(::geteuid()));
}

// R57: a proxy none of whose interfaces has an [async_uuid] (ITestObject has none) offers no call
// factory (call_security_async_client_test.cpp covers a proxy that does).
TEST_F(ComRemoting, R57_ProxyWithoutAsyncInterfaceHasNoCallFactory) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  ICallFactory* factory = reinterpret_cast<ICallFactory*>(0x1);
  EXPECT_EQ(root->QueryInterface(IID_ICallFactory, reinterpret_cast<void**>(&factory)), E_NOINTERFACE);
  EXPECT_EQ(factory, nullptr);
  LONG sum = 0;
  EXPECT_EQ(root->Add(40, 2, &sum), S_OK) << "the proxy still works";
}

TEST_F(ComRemoting, QueryInterfaceKeepsCOMIdentityAndAsksTheServerOncePerInterface) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  ComPtr<IUnknown> unknown1;
  ComPtr<IUnknown> unknown2;
  ASSERT_EQ(root->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(unknown1.GetAddressOf())), S_OK);
  ComPtr<IOther> other;
  ASSERT_EQ(root->QueryInterface(IID_IOther, reinterpret_cast<void**>(other.GetAddressOf())), S_OK);
  LONG twice = 0;
  EXPECT_EQ(other->Twice(21, &twice), S_OK);
  EXPECT_EQ(twice, 42);
  ASSERT_EQ(other->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(unknown2.GetAddressOf())), S_OK);
  EXPECT_EQ(unknown1.Get(), unknown2.Get()) << "two interfaces of one object must share one IUnknown";
  ComPtr<ITestObject> again;
  ASSERT_EQ(other->QueryInterface(IID_ITestObject, reinterpret_cast<void**>(again.GetAddressOf())), S_OK);
  EXPECT_EQ(again.Get(), root.Get()) << "QueryInterface for a held interface gives the same proxy";

  ComPtr<IUnknown> none;
  EXPECT_EQ(root->QueryInterface(IID_INotImplemented, reinterpret_cast<void**>(none.GetAddressOf())), E_NOINTERFACE);
  EXPECT_EQ(root->QueryInterface(IID_INotImplemented, reinterpret_cast<void**>(none.GetAddressOf())), E_NOINTERFACE);
  EXPECT_EQ(other->QueryInterface(IID_INotImplemented, reinterpret_cast<void**>(none.GetAddressOf())), E_NOINTERFACE);
  ASSERT_TRUE(server.process->send("qicount"));
  auto count = server.process->wait_for("qicount=");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, "1") << "a QueryInterface for a new IID goes over the wire once, answered or refused";
}

TEST_F(ComRemoting, AnotherOBJREFOfTheSameObjectGivesTheSameProxy) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  ComPtr<IUnknown> again;
  ASSERT_EQ(root->QueryFor(IID_ITestObject, again.GetAddressOf()), S_OK);
  ComPtr<IUnknown> a, b;
  ASSERT_EQ(root->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(a.GetAddressOf())), S_OK);
  ASSERT_EQ(again->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(b.GetAddressOf())), S_OK);
  EXPECT_EQ(a.Get(), b.Get());
  EXPECT_EQ(static_cast<IUnknown*>(root.Get()), again.Get());
}

TEST_F(ComRemoting, FailuresComeBackAsTheHresultsWindowsReports) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->Fail(E_ACCESSDENIED), E_ACCESSDENIED);
  EXPECT_EQ(root->Fail(S_FALSE), S_FALSE);
  EXPECT_EQ(root->Throw(), RPC_E_SERVERFAULT) << "an exception in the server never crosses the wire";
  LONG sum = 0;
  EXPECT_EQ(root->Add(1, 1, &sum), S_OK) << "the server keeps serving after a method threw";
  EXPECT_EQ(sum, 2);
}

TEST_F(ComRemoting, InterfacePointersTravelInBothDirections) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  // [out] ITestObject**: a new object in the server.
  ComPtr<ITestObject> child;
  ASSERT_EQ(root->CreateChild(child.GetAddressOf()), S_OK);
  ASSERT_TRUE(child);
  LONG sum = 0;
  EXPECT_EQ(child->Add(3, 4, &sum), S_OK);
  EXPECT_EQ(sum, 7);
  ASSERT_TRUE(server.process->send("live"));
  EXPECT_EQ(server.process->wait_for("live="), "2");
  // [in] ICallback*: an object of this process, called back by the server during the call.
  auto* callback = new Callback(10);
  LONG result = 0;
  EXPECT_EQ(root->CallBack(callback, 7, &result), S_OK);
  EXPECT_EQ(result, 70);
  EXPECT_EQ(callback->calls.load(), 1);
  callback->Release();
  // [out, iid_is(riid)] IUnknown**: the interface asked for.
  ComPtr<IUnknown> other;
  ASSERT_EQ(root->QueryFor(IID_IOther, other.GetAddressOf()), S_OK);
  LONG twice = 0;
  EXPECT_EQ(static_cast<IOther*>(static_cast<void*>(other.Get()))->Twice(5, &twice), S_OK);
  EXPECT_EQ(twice, 10);
  ComPtr<IUnknown> missing;
  EXPECT_EQ(root->QueryFor(IID_INotImplemented, missing.GetAddressOf()), E_NOINTERFACE);
  EXPECT_FALSE(missing);
}

TEST_F(ComRemoting, AnObjectIsDestroyedOnceItsLastRemoteReferenceIsReleased) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  ComPtr<ITestObject> child;
  ASSERT_EQ(root->CreateChild(child.GetAddressOf()), S_OK);
  ComPtr<IOther> other;
  ASSERT_EQ(child->QueryInterface(IID_IOther, reinterpret_cast<void**>(other.GetAddressOf())), S_OK);
  child.Reset();
  other.Reset();
  EXPECT_EQ(server.process->wait_for("destroyed "), "1") << "the child was not released by the server";
  ASSERT_TRUE(server.process->send("live"));
  EXPECT_EQ(server.process->wait_for("live="), "1");
}

TEST_F(ComRemoting, AKilledClientsReferencesAreRunDown) {
  ServerHandle server = start_server();
  TestProcess client({GUISE_COM_TEST_CLIENT, server.objref, "hold-child"});
  ASSERT_EQ(client.wait_for("holding hr="), "00000000");
  ASSERT_TRUE(server.process->send("live"));
  ASSERT_EQ(server.process->wait_for("live="), "2");
  client.kill();
  // Its ping set stops being pinged: after period × misses the server runs the child down.
  EXPECT_EQ(server.process->wait_for("destroyed "), "1") << "a killed client's object leaked";
}

TEST_F(ComRemoting, AServerKilledDuringACallFailsTheCallPromptly) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  HRESULT in_flight = S_OK;
  std::thread caller([&] {
    CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    in_flight = root->Block();
    CoUninitialize();
  });
  ASSERT_TRUE(server.process->wait_for("blocking"));
  server.process->kill();
  caller.join();
  EXPECT_EQ(in_flight, kHresultCallFailed) << "0x800706BE RPC_S_CALL_FAILED for a call in flight";
  LONG sum = 0;
  EXPECT_EQ(root->Add(1, 2, &sum), kHresultServerUnavailable) << "0x800706BA once the server is gone";
}

TEST_F(ComRemoting, AClientKilledDuringACallLeavesTheServerServingOthers) {
  ServerHandle server = start_server();
  TestProcess client({GUISE_COM_TEST_CLIENT, server.objref, "block"});
  ASSERT_TRUE(client.wait_for("calling"));
  ASSERT_TRUE(server.process->wait_for("blocking"));
  client.kill();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  LONG sum = 0;
  EXPECT_EQ(root->Add(20, 22, &sum), S_OK);
  EXPECT_EQ(sum, 42);
  ASSERT_TRUE(server.process->send("unblock"));
  ASSERT_TRUE(server.process->wait_for("unblocked"));
  EXPECT_EQ(root->Add(1, 1, &sum), S_OK);
}

TEST_F(ComRemoting, ADisconnectedObjectAnswersRpcEDisconnected) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  LONG sum = 0;
  ASSERT_EQ(root->Add(1, 1, &sum), S_OK);
  ASSERT_TRUE(server.process->send("disconnect"));
  ASSERT_TRUE(server.process->wait_for("disconnected"));
  EXPECT_EQ(root->Add(1, 1, &sum), RPC_E_DISCONNECTED);
  EXPECT_EQ(unmarshal_from_hex(server.objref, IID_ITestObject, reinterpret_cast<void**>(root.ReleaseAndGetAddressOf())),
            S_OK) << "the OBJREF still decodes; its object is gone";
  EXPECT_EQ(root->Add(1, 1, &sum), RPC_E_DISCONNECTED);
}

TEST_F(ComRemoting, AProxyCalledFromAThreadWithoutAnApartmentFailsWithCoENotInitialized) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  HRESULT hr = S_OK;
  std::thread([&] {
    LONG sum = 0;
    hr = root->Add(1, 1, &sum);
  }).join();
  EXPECT_EQ(hr, CO_E_NOTINITIALIZED);
}

TEST_F(ComRemoting, TheMtaServesCallsConcurrently) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  // One call blocks in the server; calls from other threads still complete meanwhile.
  HRESULT blocked = E_FAIL;
  std::thread blocker([&] {
    CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    blocked = root->Block();
    CoUninitialize();
  });
  ASSERT_TRUE(server.process->wait_for("blocking"));
  constexpr int kThreads = 4;
  constexpr int kCalls = 200;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CoInitializeEx(nullptr, COINIT_MULTITHREADED);
      for (int i = 0; i < kCalls; ++i) {
        LONG sum = 0;
        if (root->Add(t, i, &sum) == S_OK && sum == t + i) good.fetch_add(1);
      }
      CoUninitialize();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kCalls);
  ASSERT_TRUE(server.process->send("unblock"));
  blocker.join();
  EXPECT_EQ(blocked, S_OK);
}

TEST_F(ComRemoting, ThirdPartyMarshalingLetsTheReceiverCallTheOwnerDirectly) {
  ServerHandle a = start_server();
  ServerHandle b = start_server();
  ComPtr<ITestObject> root_a = unmarshal_root(a);
  ComPtr<ITestObject> root_b = unmarshal_root(b);
  ASSERT_TRUE(root_a && root_b);
  // This process hands B's object to A; A calls B.
  ASSERT_EQ(root_a->Hold(root_b.Get()), S_OK);
  LONG sum = 0;
  ASSERT_EQ(root_a->CallHeld(30, 12, &sum), S_OK);
  EXPECT_EQ(sum, 42);
  // A hands it back: the OBJREF names B, so this process calls B itself, not through A.
  ComPtr<ITestObject> from_a;
  ASSERT_EQ(root_a->GetHeld(from_a.GetAddressOf()), S_OK);
  ULONG caller = 0, uid = 0, server_pid = 0;
  ASSERT_EQ(from_a->WhoCalls(&caller, &uid, &server_pid), S_OK);
  EXPECT_EQ(server_pid, static_cast<ULONG>(b.pid));
  EXPECT_EQ(caller, static_cast<ULONG>(::getpid()));
  EXPECT_EQ(from_a.Get(), root_b.Get()) << "B's object keeps one identity here, however it arrived";
  // A lets go, this process lets go: B's reference counts end where they started.
  ASSERT_EQ(root_a->DropHeld(), S_OK);
  ASSERT_TRUE(b.process->send("live"));
  EXPECT_EQ(b.process->wait_for("live="), "1");
}

TEST_F(ComRemoting, AProxysAuthenticationCanBeChangedForItsNextCalls) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  ULONG level = 0;
  ASSERT_EQ(root->CallLevel(&level), S_OK);
  EXPECT_EQ(level, 2u) << "the default blanket: RPC_C_AUTHN_LEVEL_CONNECT";
  // The seam IClientSecurity::SetBlanket will use: the channel of this interface proxy.
  ComPtr<IUnknown> identity;
  ASSERT_EQ(root->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(identity.GetAddressOf())), S_OK);
  ComPtr<ProxyManager> manager = Runtime::instance().client().manager_of(identity.Get());
  ASSERT_TRUE(manager);
  OrpcChannel* channel = manager->channel(IID_ITestObject);
  ASSERT_NE(channel, nullptr);
  ASSERT_TRUE(channel
                  ->set_authentication(Runtime::instance().client().connections(),
                                       rpc::AuthInfo::local(rpc::AuthnLevel::kPktPrivacy,
                                                            identity::ImpersonationLevel::kImpersonate))
                  .ok());
  ASSERT_EQ(root->CallLevel(&level), S_OK);
  EXPECT_EQ(level, 6u) << "the server saw the new level on the next call";
  ComPtr<IOther> other;
  ASSERT_EQ(root->QueryInterface(IID_IOther, reinterpret_cast<void**>(other.GetAddressOf())), S_OK);
  EXPECT_EQ(manager->channel(IID_IOther)->authentication().level, rpc::AuthnLevel::kConnect)
      << "a blanket belongs to one interface proxy";
}

TEST_F(ComRemoting, ACallerRunningAsAnotherUidIsAttestedByTheKernel) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the client as uid 41001";
  ServerHandle server = start_server();
  TestProcess client({GUISE_COM_TEST_CLIENT, server.objref, "whocalls"}, uid_t{41001}, gid_t{41001});
  auto line = client.wait_for("hr=");
  ASSERT_TRUE(line) << "the client printed nothing";
  EXPECT_NE(line->find("caller_uid=41001"), std::string::npos) << *line;
  EXPECT_NE(line->find("caller_pid=" + std::to_string(client.pid())), std::string::npos) << *line;
  EXPECT_EQ(client.finish(), 0);
}

}  // namespace
}  // namespace guise::com::testing
