// The client: fragmentation, alter_context, timeouts, cancel, broken associations, the pool.
#include <gtest/gtest.h>

#include <thread>

#include "guise/winerror.h"
#include "identity/impersonation.h"
#include "integration/rpc/rpc_fixture.h"
#include "rpc/client.h"
#include "support/proc_status.h"

namespace guise::rpc::testing {
namespace {

using identity::ImpersonationLevel;

class RpcClientTest : public RpcServerTest {
 protected:
  Client local_client(ClientOptions options = {}) {
    auto c = Client::create(local_, AuthInfo::local(AuthnLevel::kPktPrivacy, ImpersonationLevel::kImpersonate),
                            options);
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }
};

TEST_F(RpcClientTest, LargeRequestsAndRepliesTravelInFragments) {
  Client client = local_client();
  std::vector<std::byte> big(100'000);
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = std::byte{static_cast<std::uint8_t>(i * 7)};
    expected += static_cast<std::uint8_t>(i * 7);
  }
  auto sum = client.call(kProbeInterface, kSum, big);
  ASSERT_TRUE(sum.ok()) << sum.status().to_string();
  auto f = parse_fields(as_text(*sum));
  EXPECT_EQ(f["size"], "100000");
  EXPECT_EQ(f["sum"], std::to_string(expected));

  std::vector<std::byte> n = {std::byte{0x50}, std::byte{0xc3}, std::byte{0}, std::byte{0}};  // 50000
  auto reply = client.call(kProbeInterface, kBigReply, n);
  ASSERT_TRUE(reply.ok()) << reply.status().to_string();
  ASSERT_EQ(reply->size(), 50000u);
  for (std::size_t i = 0; i < reply->size(); i += 997) {
    ASSERT_EQ((*reply)[i], std::byte{static_cast<std::uint8_t>(i)}) << i;
  }
}

TEST_F(RpcClientTest, ASecondInterfaceIsBoundWithAlterContextOnTheSameConnection) {
  Client client = local_client();
  ASSERT_TRUE(client.call(kProbeInterface, kEcho, as_bytes("a")).ok());
  auto echoed = client.call(kEchoInterface, 0, as_bytes("b"));
  ASSERT_TRUE(echoed.ok()) << echoed.status().to_string();
  EXPECT_EQ(as_text(*echoed), "b");
  EXPECT_EQ(client.idle_connections(), 1u);
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(RpcClientTest, ObjectUuidReachesTheServer) {
  Client client = local_client();
  CallOptions options;
  options.object = kEchoInterface.uuid;
  auto who = client.call(kProbeInterface, kWhoAmI, {}, options);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(parse_fields(as_text(*who))["object"], "1");
}

TEST_F(RpcClientTest, ACallWithoutAnAnswerTimesOutWithRpcETimeout) {
  Client client = local_client();
  CallOptions options;
  options.timeout = std::chrono::milliseconds(200);
  auto blocked = client.call(kProbeInterface, kBlock, {}, options);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(*blocked.status().hresult(), RPC_E_TIMEOUT);
  // The abandoned connection is not reused; a new one releases the blocked handler.
  EXPECT_EQ(client.idle_connections(), 0u);
  ASSERT_TRUE(client.call(kProbeInterface, kRelease, {}).ok());
  ASSERT_TRUE(client.call(kProbeInterface, kEcho, as_bytes("after")).ok());
}

TEST_F(RpcClientTest, ACancelledCallReturnsRpcECallCanceled) {
  Client client = local_client();
  CancelToken token;
  CallOptions options;
  options.cancel = &token;
  token.cancel();  // cancelled before the answer can come: the wait ends at once
  auto cancelled = client.call(kProbeInterface, kBlock, {}, options);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(*cancelled.status().hresult(), RPC_E_CALL_CANCELED);
  ASSERT_TRUE(client.call(kProbeInterface, kRelease, {}).ok());
}

TEST_F(RpcClientTest, RecoversWhenTheServerBehindAPooledConnectionRestarts) {
  Client client = local_client();
  ASSERT_TRUE(client.call(kProbeInterface, kEcho, as_bytes("1")).ok());
  ASSERT_EQ(client.idle_connections(), 1u);
  // Restart the server on the same endpoint: the pooled connection is now dead.
  server_->stop();
  server_ = std::make_unique<Server>();
  ASSERT_TRUE(server_->register_interface(probe_interface()).ok());
  ASSERT_TRUE(server_->listen(local_).ok());
  ASSERT_TRUE(server_->start().ok());
  auto again = client.call(kProbeInterface, kEcho, as_bytes("2"));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(as_text(*again), "2");
}

TEST_F(RpcClientTest, RecoversOverTcpWhenThePooledConnectionWasClosed) {
  auto client = Client::create(tcp_);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->call(kProbeInterface, kEcho, as_bytes("1")).ok());
  const std::string endpoint = tcp_;
  server_->stop();
  server_ = std::make_unique<Server>();
  ASSERT_TRUE(server_->register_interface(probe_interface()).ok());
  ASSERT_TRUE(server_->listen(endpoint).ok());
  ASSERT_TRUE(server_->start().ok());
  auto again = client->call(kProbeInterface, kEcho, as_bytes("2"));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(as_text(*again), "2");
}

TEST_F(RpcClientTest, TheServerGoneIsReportedAsDisconnected) {
  Client client = local_client();
  server_->stop();
  auto out = client.call(kProbeInterface, kEcho, as_bytes("x"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable);
}

TEST_F(RpcClientTest, ThePoolKeepsOneConnectionPerPresentedIdentity) {
  if (!guise::testing::running_as_root()) GTEST_SKIP() << "needs root to switch uids";
  Client client = local_client();
  auto as_process = client.call(kProbeInterface, kWhoAmI, {});
  ASSERT_TRUE(as_process.ok());
  EXPECT_EQ(parse_fields(as_text(*as_process))["uid"], "0");
  {
    auto alice = identity::Token::for_ids(41001, 41001, {}, ImpersonationLevel::kImpersonate);
    auto scope = identity::impersonate(alice);
    ASSERT_TRUE(scope.ok()) << scope.status().to_string();
    auto as_alice = client.call(kProbeInterface, kWhoAmI, {});
    ASSERT_TRUE(as_alice.ok());
    EXPECT_EQ(parse_fields(as_text(*as_alice))["uid"], "41001");
  }
  auto back = client.call(kProbeInterface, kWhoAmI, {});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(parse_fields(as_text(*back))["uid"], "0");  // alice's connection is never used for root
  EXPECT_EQ(client.idle_connections(), 2u);
}

TEST_F(RpcClientTest, TcpCallsWorkWithoutAuthentication) {
  auto client = Client::create(tcp_);
  ASSERT_TRUE(client.ok());
  auto out = client->call(kProbeInterface, kEcho, as_bytes("over tcp"));
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(as_text(*out), "over tcp");
}

TEST_F(RpcClientTest, LocalSecurityOverTcpIsRefusedBeforeConnecting) {
  auto client = Client::create(tcp_, AuthInfo::local(AuthnLevel::kConnect, ImpersonationLevel::kImpersonate));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnimplemented);
}

TEST_F(RpcClientTest, ManyThreadsCallAtOnce) {
  Client client = local_client();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string text = std::to_string(t) + ":" + std::to_string(i);
        auto out = client.call(kProbeInterface, kEcho, as_bytes(text));
        if (!out.ok() || as_text(*out) != text) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

class RpcHotConnectionTest : public RpcClientTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions o;
    o.threads = 2;
    o.park_timeout = std::chrono::seconds(20);  // a parked thread stays on its connection
    return o;
  }
};

TEST_F(RpcHotConnectionTest, AThreadParkedOnAHotConnectionNeverLeavesTheReactorUnwatched) {
  RawConnection hot(local_);
  hot.send(probe_bind());
  ASSERT_TRUE(hot.receive_pdu().has_value());
  hot.send(probe_request(kEcho, as_bytes("1")));
  ASSERT_TRUE(hot.receive_pdu().has_value());  // its thread now waits on `hot` for the next call
  // The other thread watches the reactor and serves everyone else; it may not park as well.
  auto client = Client::create(local_);
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 5; ++i) {
    auto other = Client::create(local_);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(other->call(kProbeInterface, kEcho, as_bytes("other")).ok());
  }
  hot.send(probe_request(kEcho, as_bytes("2"), 3));
  auto reply = hot.receive_pdu();
  ASSERT_TRUE(reply.has_value());
  auto decoded = decode_pdu(*reply, Limits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<ResponsePdu>(*decoded).header.call_id, 3u);
  // stop() wakes the parked thread instead of waiting out its 20 s (the test's TearDown).
}

TEST_F(RpcHotConnectionTest, AThreadThatBlocksInAHandlerWhileTheOtherIsParkedStartsAThird) {
  // Thread A answers `hot` and parks on it (thread B watches the reactor, so it may).
  RawConnection hot(local_);
  hot.send(probe_bind());
  ASSERT_TRUE(hot.receive_pdu().has_value());
  hot.send(probe_request(kEcho, as_bytes("1")));
  ASSERT_TRUE(hot.receive_pdu().has_value());
  // B alone watches the reactor; it takes this call, which blocks in its handler. Before B runs the
  // handler it sees nobody left in the reactor and starts a third thread.
  RawConnection blocker(local_);
  blocker.send(probe_bind());
  ASSERT_TRUE(blocker.receive_pdu().has_value());
  blocker.send(probe_request(kBlock, {}));
  // Served by the third thread, well before A's 20 s park would end.
  CallOptions bounded;
  bounded.timeout = std::chrono::seconds(10);
  auto client = Client::create(local_);
  ASSERT_TRUE(client.ok());
  auto served = client->call(kProbeInterface, kEcho, as_bytes("served"), bounded);
  EXPECT_TRUE(served.ok()) << served.status().to_string();
  auto released = client->call(kProbeInterface, kRelease, {}, bounded);
  EXPECT_TRUE(released.ok()) << released.status().to_string();
  auto reply = blocker.receive_pdu();
  ASSERT_TRUE(reply.has_value());
}

TEST_F(RpcHotConnectionTest, AClientThatTricklesBytesDoesNotKeepAParkedThread) {
  RawConnection trickler(local_);
  trickler.send(probe_bind());
  ASSERT_TRUE(trickler.receive_pdu().has_value());  // its thread may now park on it
  trickler.send(probe_request(kEcho, as_bytes("x")) /* whole */);
  ASSERT_TRUE(trickler.receive_pdu().has_value());
  std::vector<std::byte> one_byte = {std::byte{5}};
  trickler.send(one_byte);  // a PDU begins and stalls: the parked thread must go back to the reactor
  // Every call here has a deadline well under the 20 s a parked thread waits: with one thread
  // blocked in a handler and the other parked, nobody would watch the reactor — unless the thread
  // that blocks starts another first (the pool grows), which is what is tested.
  CallOptions bounded;
  bounded.timeout = std::chrono::seconds(10);
  std::thread blocked([this] {
    auto client = Client::create(local_);
    CallOptions options;
    options.timeout = std::chrono::seconds(25);
    if (client.ok()) (void)client->call(kProbeInterface, kBlock, {}, options);
  });
  auto other = Client::create(local_);
  ASSERT_TRUE(other.ok());
  auto served = other->call(kProbeInterface, kEcho, as_bytes("served"), bounded);
  EXPECT_TRUE(served.ok()) << served.status().to_string();
  auto releaser = Client::create(local_);
  ASSERT_TRUE(releaser.ok());
  auto released = releaser->call(kProbeInterface, kRelease, {}, bounded);
  EXPECT_TRUE(released.ok()) << released.status().to_string();
  blocked.join();
}

}  // namespace
}  // namespace guise::rpc::testing
