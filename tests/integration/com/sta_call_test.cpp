// Outgoing calls from an STA across real processes: while the STA thread waits for the peer's reply it
// serves the work posted to its apartment — the peer's callback into this process among it — and the
// call still ends with its reply, a timeout, a cancel, or the peer's death, promptly.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "com/apartment.h"
#include "com/apartment_call.h"
#include "com/modal_wait.h"
#include "guise/windows.h"
#include "integration/com/peer_process.h"
#include "integration/com/sta_peer.h"
#include "rpc/client.h"
#include "rpc/deferred_reply.h"
#include "rpc/server.h"

namespace guise::com::testing {
namespace {


std::string unique_local_binding(const char* what) {
  static int counter = 0;
  return std::string("ncalrpc:[@guise-sta-") + what + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++) + "]";
}

// This process's side: a server whose callback is handed to the test's STA and answered from there.
class StaCall : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_ = std::make_unique<PeerProcess>(unique_local_binding("peer"));
    ASSERT_TRUE(peer_->ready()) << "guise-sta-peer did not start";
    auto client = rpc::Client::create(peer_->binding());
    ASSERT_TRUE(client.ok()) << client.status().to_string();
    peer_client_ = std::make_unique<rpc::Client>(std::move(*client));

    rpc::InterfaceRegistration callback;
    callback.id = kCallbackInterface;
    callback.name = "sta-callback";
    callback.ops.push_back([this](rpc::ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>&) {
      return run_in_sta(call, std::string(reinterpret_cast<const char*>(in.data()), in.size()));
    });
    ASSERT_TRUE(server_.register_interface(std::move(callback)).ok());
    auto bound = server_.listen(unique_local_binding("self"));
    ASSERT_TRUE(bound.ok()) << bound.status().to_string();
    self_binding_ = *bound;
    ASSERT_TRUE(server_.start().ok());
  }

  void TearDown() override {
    server_.stop();
    peer_client_.reset();
    if (peer_) {
      EXPECT_EQ(peer_->stop(), expected_peer_exit_);
    }
  }

  // What COM's dispatcher does for an STA object: the serving thread defers the call and posts it to
  // the STA, whose thread runs it and writes the reply (rpc/deferred_reply.h); the serving thread goes
  // straight back to the pool. Work dropped unrun (the STA closed) faults the call as it is destroyed.
  Status run_in_sta(rpc::ServerCall& call, const std::string& what) {
    std::shared_ptr<Apartment> sta;
    {
      std::lock_guard lock(mu_);
      sta = sta_;
    }
    if (!sta) return Status(StatusCode::kUnavailable, "no STA", RPC_E_DISCONNECTED);
    GUISE_TRY(rpc::DeferredReply deferred, call.defer());
    auto reply = std::make_shared<rpc::DeferredReply>(std::move(deferred));
    Status posted = sta->post([reply, what] {
      (void)reply->reply(as_bytes(what + " served on " + std::to_string(GetCurrentThreadId())));
    });
    if (!posted.ok()) (void)reply->fail(posted);
    return Status::Ok();
  }

  // Runs `body` on a new thread in its own STA (published to the callback server).
  void on_sta_thread(const std::function<void(Apartment&)>& body) {
    std::thread([&] {
      ASSERT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), S_OK);
      {
        std::lock_guard lock(mu_);
        sta_ = current_apartment()->shared();
      }
      body(*current_apartment());
      {
        std::lock_guard lock(mu_);
        sta_.reset();
      }
      CoUninitialize();
    }).join();
  }

  Status call(std::uint16_t opnum, std::string_view in, std::string& reply, rpc::CallOptions options = {}) {
    std::vector<std::byte> out;
    Status st = call_from_apartment(*peer_client_, kPeerInterface, opnum, as_bytes(in), out, options);
    reply = as_text(out);
    return st;
  }

  std::unique_ptr<PeerProcess> peer_;
  std::unique_ptr<rpc::Client> peer_client_;
  rpc::Server server_;
  std::string self_binding_;
  int expected_peer_exit_ = 0;
  std::mutex mu_;
  std::shared_ptr<Apartment> sta_;
};

// A calls B; B calls back into A; A's STA thread, waiting for B, serves the callback itself.
TEST_F(StaCall, ThePeersCallbackRunsOnTheStaThreadThatIsWaitingForThePeer) {
  on_sta_thread([&](Apartment& sta) {
    std::string reply;
    Status st = call(kCallBack, self_binding_, reply);
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_EQ(reply, "from the peer served on " + std::to_string(sta.owner_thread()));
  });
}

// Work that arrives while the STA waits runs there, and may itself make a call (nested split-phase):
// here it releases the very call the STA is waiting for.
TEST_F(StaCall, WorkServedDuringTheWaitMayMakeItsOwnCalls) {
  on_sta_thread([&](Apartment& sta) {
    std::string released;
    ASSERT_TRUE(sta.post([&] {
                     std::string ok;
                     Status st = call(kRelease, "", ok);
                     released = st.ok() ? ok : st.to_string();
                   }).ok());
    std::string reply;
    Status st = call(kHold, "", reply);
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_EQ(reply, "released");
    EXPECT_EQ(released, "ok");
  });
}

TEST_F(StaCall, ATimeoutAbandonsTheCallWithRpcETimeout) {
  on_sta_thread([&](Apartment& sta) {
    bool served = false;
    ASSERT_TRUE(sta.post([&] { served = true; }).ok());
    rpc::CallOptions options;
    options.timeout = std::chrono::milliseconds(200);
    std::string reply;
    Status st = call(kHold, "", reply, options);
    EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded);
    EXPECT_EQ(st.hresult(), RPC_E_TIMEOUT);
    EXPECT_TRUE(served) << "the STA served its queue while it waited";
  });
  std::vector<std::byte> out;
  ASSERT_TRUE(peer_client_->call(kPeerInterface, kRelease, {}, out).ok());  // frees the peer's thread
  std::string echoed;
  on_sta_thread([&](Apartment&) { ASSERT_TRUE(call(kEcho, "still there", echoed).ok()); });
  EXPECT_EQ(echoed, "still there");
}

TEST_F(StaCall, ACancelEndsTheCallWithRpcECallCanceled) {
  rpc::CancelToken cancel;
  on_sta_thread([&](Apartment& sta) {
    // Runs only once the STA waits: the call is then in flight.
    ASSERT_TRUE(sta.post([&] { cancel.cancel(); }).ok());
    rpc::CallOptions options;
    options.cancel = &cancel;
    std::string reply;
    Status st = call(kHold, "", reply, options);
    EXPECT_EQ(st.code(), StatusCode::kCancelled);
    EXPECT_EQ(st.hresult(), RPC_E_CALL_CANCELED);
  });
  std::vector<std::byte> out;
  ASSERT_TRUE(peer_client_->call(kPeerInterface, kRelease, {}, out).ok());
}

TEST_F(StaCall, APeerThatDiesMidCallEndsItPromptlyAsDisconnected) {
  expected_peer_exit_ = -1;  // killed
  on_sta_thread([&](Apartment& sta) {
    ASSERT_TRUE(sta.post([&] { peer_->kill(); }).ok());  // while the STA waits for the peer's reply
    std::string reply;
    Status st = call(kHold, "", reply);
    EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
    EXPECT_EQ(st.hresult(), RPC_E_DISCONNECTED);
  });
}

TEST_F(StaCall, OutsideAnStaItIsAPlainCall) {
  std::thread([&] {
    ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    std::string reply;
    EXPECT_TRUE(call(kEcho, "mta", reply).ok());
    EXPECT_EQ(reply, "mta");
    CoUninitialize();
  }).join();
  std::string reply;
  EXPECT_TRUE(call(kEcho, "outside", reply).ok());
  EXPECT_EQ(reply, "outside");
}

TEST_F(StaCall, AFinishedSplitCallReturnsItsConnectionAndAnAbandonedOneClosesIt) {
  {
    auto pending = peer_client_->begin_call(kPeerInterface, kEcho, as_bytes("x"));
    ASSERT_TRUE(pending.ok()) << pending.status().to_string();
    std::vector<std::byte> out;
    ASSERT_TRUE(pending->finish(out).ok());
    EXPECT_EQ(as_text(out), "x");
    EXPECT_TRUE(pending->done());
  }
  EXPECT_EQ(peer_client_->idle_connections(), 1u);
  {
    auto pending = peer_client_->begin_call(kPeerInterface, kHold, {});
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(peer_client_->idle_connections(), 0u) << "the call holds its connection";
  }  // destroyed unfinished: abandoned
  EXPECT_EQ(peer_client_->idle_connections(), 0u) << "an abandoned call's connection is closed, not pooled";
  std::vector<std::byte> out;
  ASSERT_TRUE(peer_client_->call(kPeerInterface, kRelease, {}, out).ok());
}

}  // namespace
}  // namespace guise::com::testing
