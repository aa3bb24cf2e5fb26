// COM objects in single-threaded apartments across real processes: a guise-com-test-server whose
// root object lives in its main thread's STA (--sta), and STA threads in this process (sta_thread.h).
// What is proved, by thread ids the kernel gives (GetCurrentThreadId) and HRESULTs peers return:
// reentrancy (a callback runs on the STA thread that is waiting for the call that caused it), an STA
// object's calls all running on its one thread one at a time, causality ids along a nested chain,
// apartment-bound proxies, cross-apartment marshaling in one process, and that the death of either
// side or the close of an STA with calls queued ends every call promptly, never a hang.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "com/call_failure.h"
#include "com/causality.h"
#include "guise/processthreadsapi.h"
#include "integration/com/com_fixture.h"
#include "integration/com/objref_text.h"
#include "integration/com/sta_thread.h"
#include "integration/com/test_object.h"

namespace guise::com::testing {
namespace {

using ComSta = ComTest;  // this thread is in the MTA

constexpr auto kBound = std::chrono::seconds(60);
constexpr HRESULT kCallFailed = static_cast<HRESULT>(0x800706BEu);
constexpr HRESULT kServerUnavailable = static_cast<HRESULT>(0x800706BAu);

// The STA thread id a --sta server printed.
DWORD server_sta_tid(const ServerHandle& server) {
  for (const std::string& line : server.process->lines()) {
    if (line.rfind("tid=", 0) == 0) return static_cast<DWORD>(std::stoul(line.substr(4)));
  }
  return 0;
}

ServerHandle start_sta_server() {
  ServerOptions options;
  options.args = {"--sta"};
  return start_server(options);
}

// A calls B; B calls back into A during the call; A's STA thread, waiting for B, runs the callback.
// B's object lives in B's STA too, so B's call back waits in B's modal loop: STA to STA both ways.
TEST_F(ComSta, TheCallbackRunsOnTheStaThreadWaitingForTheCallThatCausedIt) {
  ServerHandle server = start_sta_server();
  ASSERT_FALSE(server.objref.empty());
  DWORD sta_tid = 0, callback_tid = 0;
  HRESULT hr = E_FAIL;
  LONG result = 0;
  int calls = 0;
  GUID chain{}, server_cid{}, callback_cid{};
  StaThread sta([&] {
    sta_tid = GetCurrentThreadId();
    ComPtr<ITestObject> root = unmarshal_root(server);
    if (!root) return;
    auto* callback = new Callback(3);
    {
      CausalityScope scope;  // the chain this thread starts
      chain = scope.id();
      hr = root->CallBackTraced(callback, 14, &server_cid, &result);
    }
    callback_tid = callback->last_thread();
    callback_cid = callback->last_causality();
    calls = callback->calls.load();
    callback->Release();
  });
  ASSERT_TRUE(sta.started());
  ASSERT_TRUE(sta.finish());
  EXPECT_EQ(hr, S_OK);
  EXPECT_EQ(result, 42);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(callback_tid, sta_tid) << "the callback must run on the STA thread that waited for the call";
  EXPECT_NE(callback_tid, GetCurrentThreadId());
  EXPECT_EQ(server_cid, chain) << "the server adopts the causality id the STA sent";
  EXPECT_EQ(callback_cid, chain) << "the call back into A continues A's chain";
}

TEST_F(ComSta, ACallMadeWhileServingACallCarriesItsCausalityId) {
  ServerHandle server = start_sta_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  auto* callback = new Callback(2);  // an MTA object of this process
  GUID first{}, second{};
  LONG result = 0;
  ASSERT_EQ(root->CallBackTraced(callback, 5, &first, &result), S_OK);
  EXPECT_EQ(result, 10);
  EXPECT_EQ(callback->last_causality(), first) << "the server's nested call carries the incoming call's id";
  ASSERT_EQ(root->CallBackTraced(callback, 5, &second, &result), S_OK);
  EXPECT_EQ(callback->last_causality(), second);
  EXPECT_NE(first, second) << "two calls outside any chain start two chains";
  callback->Release();
}

// The server's STA thread waits in CoWaitForMultipleHandles on an event and serves its object's calls
// meanwhile; the wait ends (S_OK, index 0) when the event is set (the server's stdin closes).
TEST_F(ComSta, AnStaServerWaitingInCoWaitForMultipleHandlesServesUntilItsEventIsSet) {
  ServerHandle server = start_sta_server();
  const DWORD server_tid = server_sta_tid(server);
  ASSERT_NE(server_tid, 0u);
  {
    ComPtr<ITestObject> root = unmarshal_root(server);
    ASSERT_TRUE(root);
    for (int i = 0; i < 3; ++i) {
      ULONG tid = 0;
      ASSERT_EQ(root->ThreadId(&tid), S_OK);
      EXPECT_EQ(tid, server_tid) << "an STA object's call runs on its STA thread";
    }
    LONG sum = 0;
    EXPECT_EQ(root->Add(20, 22, &sum), S_OK);
    EXPECT_EQ(sum, 42);
    EXPECT_EQ(root->Throw(), RPC_E_SERVERFAULT);
    EXPECT_EQ(root->Add(1, 2, &sum), S_OK) << "the STA keeps serving after a method threw";
  }
  EXPECT_EQ(server.process->finish(), 0) << "CoWaitForMultipleHandles returned S_OK for the event";
}

TEST_F(ComSta, ConcurrentCallersOfAnStaObjectAreServedOneAtATimeOnItsThread) {
  ServerHandle server = start_sta_server();
  const DWORD server_tid = server_sta_tid(server);
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  constexpr int kCallers = 4;
  constexpr int kCallsEach = 25;
  std::array<std::future<void>, kCallers> callers;
  std::atomic<long> most_running{0};
  std::atomic<int> failures{0};
  std::atomic<int> elsewhere{0};
  std::atomic<HRESULT> failed_with{S_OK};
  for (auto& caller : callers) {
    caller = std::async(std::launch::async, [&] {
      if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return;
      for (int i = 0; i < kCallsEach; ++i) {
        LONG at_entry = 0, at_exit = 0;
        ULONG tid = 0;
        if (const HRESULT hr = root->Serialized(&at_entry, &at_exit, &tid); hr != S_OK) {
          ++failures;
          failed_with.store(hr);
          continue;
        }
        long seen = std::max(at_entry, at_exit);
        long known = most_running.load();
        while (seen > known && !most_running.compare_exchange_weak(known, seen)) {
        }
        if (tid != server_tid) ++elsewhere;
      }
      CoUninitialize();
    });
  }
  for (auto& caller : callers) ASSERT_EQ(caller.wait_for(kBound), std::future_status::ready);
  EXPECT_EQ(failures.load(), 0) << "the last failure: " << std::hex << failed_with.load();
  EXPECT_EQ(elsewhere.load(), 0) << "every call ran on the server's STA thread";
  EXPECT_EQ(most_running.load(), 1) << "an STA runs one call at a time";
}

TEST_F(ComSta, AProxyUsedOutsideTheApartmentThatUnmarshaledItIsRpcEWrongThread) {
  ServerHandle server = start_server();
  ComPtr<ITestObject> in_sta;
  HRESULT from_own_apartment = E_FAIL, mta_proxy_from_sta = E_FAIL;
  ComPtr<ITestObject> in_mta = unmarshal_root(server);
  ASSERT_TRUE(in_mta);
  StaThread sta([&] {
    in_sta = unmarshal_root(server);
    if (in_sta) from_own_apartment = in_sta->Null();
    mta_proxy_from_sta = in_mta->Null();
  }, [&] { in_sta.Reset(); });
  ASSERT_TRUE(sta.started());
  ASSERT_TRUE(in_sta);
  EXPECT_EQ(from_own_apartment, S_OK);
  EXPECT_EQ(mta_proxy_from_sta, RPC_E_WRONG_THREAD) << "the MTA's proxy called from an STA";
  EXPECT_EQ(in_sta->Null(), RPC_E_WRONG_THREAD) << "the STA's proxy called from the MTA";
  EXPECT_EQ(in_mta->Null(), S_OK);
  ASSERT_TRUE(sta.finish());
}

// In one process: an STA's object handed to the MTA with CoMarshalInterThreadInterfaceInStream is a
// proxy there whose calls run on the STA's thread; handed back it is the object itself. An MTA object
// handed to the STA is a proxy whose calls run on the MTA.
TEST_F(ComSta, InterfacesCrossApartmentsOfOneProcessThroughStreams) {
  TestObject* sta_object = nullptr;
  IStream* to_mta = nullptr;
  StaThread sta([&] {
    sta_object = new TestObject();
    EXPECT_EQ(CoMarshalInterThreadInterfaceInStream(IID_ITestObject, static_cast<ITestObject*>(sta_object), &to_mta),
              S_OK);
  }, [&] { sta_object->Release(); });
  ASSERT_TRUE(sta.started());
  ASSERT_NE(to_mta, nullptr);
  ComPtr<ITestObject> proxy;
  ASSERT_EQ(CoGetInterfaceAndReleaseStream(to_mta, IID_ITestObject, reinterpret_cast<void**>(proxy.GetAddressOf())),
            S_OK);
  EXPECT_NE(proxy.Get(), static_cast<ITestObject*>(sta_object)) << "another apartment gets a proxy";
  ULONG tid = 0;
  ASSERT_EQ(proxy->ThreadId(&tid), S_OK);
  EXPECT_EQ(tid, sta.tid()) << "a call through the MTA's proxy runs on the object's STA thread";

  IStream* back = nullptr;
  ASSERT_EQ(CoMarshalInterThreadInterfaceInStream(IID_ITestObject, proxy.Get(), &back), S_OK);
  ITestObject* unmarshaled_in_sta = nullptr;
  HRESULT back_hr = E_FAIL;
  ASSERT_TRUE(sta.run([&] {
    back_hr = CoGetInterfaceAndReleaseStream(back, IID_ITestObject, reinterpret_cast<void**>(&unmarshaled_in_sta));
  }));
  EXPECT_EQ(back_hr, S_OK);
  EXPECT_EQ(unmarshaled_in_sta, static_cast<ITestObject*>(sta_object)) << "back home it is the object itself";
  if (unmarshaled_in_sta != nullptr) unmarshaled_in_sta->Release();

  auto* mta_object = new TestObject();
  IStream* to_sta = nullptr;
  ASSERT_EQ(CoMarshalInterThreadInterfaceInStream(IID_ITestObject, static_cast<ITestObject*>(mta_object), &to_sta),
            S_OK);
  ULONG mta_tid = 0;
  HRESULT mta_hr = E_FAIL;
  bool got_proxy = false;
  ASSERT_TRUE(sta.run([&] {
    ITestObject* in_sta = nullptr;
    if (FAILED(CoGetInterfaceAndReleaseStream(to_sta, IID_ITestObject, reinterpret_cast<void**>(&in_sta)))) return;
    got_proxy = in_sta != static_cast<ITestObject*>(mta_object);
    mta_hr = in_sta->ThreadId(&mta_tid);
    in_sta->Release();
  }));
  EXPECT_TRUE(got_proxy);
  EXPECT_EQ(mta_hr, S_OK);
  EXPECT_NE(mta_tid, sta.tid()) << "an MTA object's call does not run on the calling STA";
  EXPECT_NE(mta_tid, 0u);
  mta_object->Release();
  proxy.Reset();
  ASSERT_TRUE(sta.finish());
}

TEST_F(ComSta, AnStaServerKilledMidCallFailsTheWaitingStaCallPromptly) {
  ServerHandle server = start_sta_server();
  HRESULT blocked = S_OK, after = S_OK;
  ComPtr<ITestObject> root;
  StaThread sta([&] { root = unmarshal_root(server); }, [&] { root.Reset(); });
  ASSERT_TRUE(sta.started());
  ASSERT_TRUE(root);
  std::future<void> call = sta.post([&] { blocked = root->Block(); });
  ASSERT_TRUE(server.process->wait_for("blocking")) << "the call never reached the server";
  server.process->kill();
  ASSERT_EQ(call.wait_for(kBound), std::future_status::ready) << "the STA's call did not end";
  EXPECT_EQ(blocked, kCallFailed) << "a call in flight when the server died";
  ASSERT_TRUE(sta.run([&] { after = root->Null(); }));
  EXPECT_EQ(after, kServerUnavailable) << "a call after the server died";
  ASSERT_TRUE(sta.finish());
}

TEST_F(ComSta, AnStaServerOutlivesAClientKilledWhileItsStaWaits) {
  ServerHandle server = start_sta_server();
  ASSERT_FALSE(server.objref.empty());
  TestProcess client({GUISE_COM_TEST_CLIENT, server.objref, "sta-block"});
  ASSERT_TRUE(client.wait_for("calling"));
  ASSERT_TRUE(server.process->wait_for("blocking"));
  client.kill();
  ASSERT_TRUE(server.process->send("unblock"));
  ASSERT_TRUE(server.process->wait_for("unblocked"));
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  LONG sum = 0;
  EXPECT_EQ(root->Add(2, 2, &sum), S_OK) << "the STA serves others after its caller died";
  EXPECT_EQ(sum, 4);
}

// A peer's calls waiting for a busy STA keep its RPC call slots: past rpc::Limits::max_calls_per_peer (8)
// its further calls are refused at once (RPC_S_SERVER_TOO_BUSY) instead of filling the STA's queue.
TEST_F(ComSta, APeerCannotQueueMoreCallsForAnStaThanItsCallSlots) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the peer as uid 41001";
  ServerHandle server = start_sta_server();
  ComPtr<ITestObject> root = unmarshal_root(server);
  ASSERT_TRUE(root);
  auto blocked = std::async(std::launch::async, [&root] {
    if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return E_FAIL;
    const HRESULT hr = root->Block();  // holds the STA thread: calls for it queue
    CoUninitialize();
    return hr;
  });
  ASSERT_TRUE(server.process->wait_for("blocking"));
  TestProcess flood({GUISE_COM_TEST_CLIENT, server.objref, "flood"}, 41001, 41001);
  constexpr int kCallers = 12, kSlots = 8;
  int ok = 0, busy = 0;
  // While the STA is blocked, only calls over the peer's share can end: refused.
  for (int i = 0; i < kCallers - kSlots; ++i) {
    auto hr = flood.wait_for("hr=");
    ASSERT_TRUE(hr) << "calls beyond the peer's call slots were not refused while the STA was busy";
    (*hr == "800706bb" ? busy : ok) += 1;
  }
  EXPECT_EQ(ok, 0) << "a call ended while the STA was blocked";
  ASSERT_TRUE(server.process->send("unblock"));
  for (int i = kCallers - kSlots; i < kCallers; ++i) {
    auto hr = flood.wait_for("hr=");
    ASSERT_TRUE(hr);
    (*hr == "00000000" ? ok : busy) += 1;
  }
  EXPECT_LE(ok, kSlots) << "more calls queued for the STA than the peer has call slots";
  EXPECT_GE(ok, 1);
  EXPECT_EQ(ok + busy, kCallers);
  ASSERT_EQ(blocked.wait_for(kBound), std::future_status::ready);
  EXPECT_EQ(blocked.get(), S_OK);
}

// An STA that does not serve (busy, here in a plain wait) with calls queued for its object, then
// closes: each queued call ends with RPC_E_DISCONNECTED, and later calls too.
TEST_F(ComSta, CallsQueuedForAnStaThatClosesFaultInsteadOfHanging) {
  TestObject* object = nullptr;
  IStream* stream = nullptr;
  StaThread sta([&] {
    object = new TestObject();
    EXPECT_EQ(CoMarshalInterThreadInterfaceInStream(IID_ITestObject, static_cast<ITestObject*>(object), &stream), S_OK);
  }, [&] { object->Release(); }, StaThread::Serve::kNo);
  ASSERT_TRUE(sta.started());
  ComPtr<ITestObject> proxy;
  ASSERT_EQ(CoGetInterfaceAndReleaseStream(stream, IID_ITestObject, reinterpret_cast<void**>(proxy.GetAddressOf())),
            S_OK);
  constexpr int kQueued = 3;
  std::array<std::future<HRESULT>, kQueued> calls;
  for (auto& call : calls) {
    call = std::async(std::launch::async, [&proxy] {
      if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return E_FAIL;
      const HRESULT hr = proxy->Null();
      CoUninitialize();
      return hr;
    });
  }
  // Bounded: the calls are queued once the reading threads have posted them.
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (sta.apartment()->queued_work() < kQueued && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(sta.apartment()->queued_work(), static_cast<std::size_t>(kQueued));
  ASSERT_TRUE(sta.finish());
  for (auto& call : calls) {
    ASSERT_EQ(call.wait_for(kBound), std::future_status::ready) << "a queued call hung";
    EXPECT_EQ(call.get(), RPC_E_DISCONNECTED);
  }
  EXPECT_EQ(proxy->Null(), RPC_E_DISCONNECTED) << "the object left with its apartment";
}

}  // namespace
}  // namespace guise::com::testing
