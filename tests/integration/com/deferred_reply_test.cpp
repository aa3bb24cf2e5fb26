// Deferred replies: a handler hands its call to another thread, which answers later; the client is a
// real process (guise-sta-peer, called back through kCallBack) or a raw socket. The connection keeps
// serving meanwhile; a call never answered is faulted when the server stops, or when its DeferredReply
// is dropped; a reply to a dead client reports the disconnection; deferred calls hold their peer's call
// slots and a server-wide bound.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <poll.h>

#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "guise/windows.h"
#include "identity/impersonation.h"
#include "integration/com/peer_process.h"
#include "integration/com/sta_peer.h"
#include "rpc/client.h"
#include "rpc/deferred_reply.h"
#include "rpc/fault_status.h"
#include "rpc/pdu.h"
#include "rpc/server.h"
#include "rpc/transport.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::com::testing {
namespace {

constexpr DWORD kBoundMs = 20'000;
constexpr uid_t kAlice = 41001;

std::string unique_local_binding(const char* what) {
  static int counter = 0;
  return std::string("ncalrpc:[@guise-deferred-") + what + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++) + "]";
}

// Calls the test's server through the peer (kCallBack), on its own thread: the result arrives later.
class CallThroughPeer {
 public:
  CallThroughPeer(const rpc::Client& peer, const std::string& self_binding)
      : thread_([this, &peer, self_binding] {
          std::vector<std::byte> out;
          rpc::CallOptions options;
          options.timeout = std::chrono::milliseconds(kBoundMs);
          status_ = peer.call(kPeerInterface, kCallBack, as_bytes(self_binding), out, options);
          reply_ = as_text(out);
        }) {}
  ~CallThroughPeer() {
    if (thread_.joinable()) thread_.join();
  }
  // Waits for the call's end.
  const Status& status() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  const std::string& reply() {
    if (thread_.joinable()) thread_.join();
    return reply_;
  }

 private:
  Status status_;
  std::string reply_;
  std::thread thread_;
};

class DeferredReplyTest : public ::testing::Test {
 protected:
  void SetUp() override { deferred_event_ = CreateEventW(nullptr, FALSE, FALSE, nullptr); }
  void TearDown() override {
    if (server_) server_->stop();
    {
      std::lock_guard lock(mu_);
      deferred_.clear();  // dropped after stop: nothing left to fault
    }
    peer_client_.reset();
    if (peer_) {
      EXPECT_EQ(peer_->stop(), expected_peer_exit_);
    }
    CloseHandle(deferred_event_);
  }

  // Our server: opnum 0 defers (the DeferredReply waits in deferred_), opnum 1 answers at once.
  void start(rpc::ServerOptions options = {}, std::optional<uid_t> peer_uid = std::nullopt) {
    server_ = std::make_unique<rpc::Server>(options);
    rpc::InterfaceRegistration itf;
    itf.id = kCallbackInterface;
    itf.name = "deferring";
    itf.ops.push_back([this](rpc::ServerCall& call, std::span<const std::byte>, std::vector<std::byte>&) -> Status {
      GUISE_TRY(rpc::DeferredReply reply, call.defer());
      {
        std::lock_guard lock(mu_);
        dispatch_threads_.push_back(GetCurrentThreadId());
        deferred_.push_back(std::make_shared<rpc::DeferredReply>(std::move(reply)));
      }
      SetEvent(deferred_event_);
      return Status::Ok();
    });
    itf.ops.push_back([](rpc::ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) -> Status {
      out.assign(in.begin(), in.end());
      return Status::Ok();
    });
    ASSERT_TRUE(server_->register_interface(std::move(itf)).ok());
    auto bound = server_->listen(unique_local_binding("self"));
    ASSERT_TRUE(bound.ok()) << bound.status().to_string();
    self_binding_ = *bound;
    ASSERT_TRUE(server_->start().ok());
    peer_ = std::make_unique<PeerProcess>(unique_local_binding("peer"), peer_uid);
    ASSERT_TRUE(peer_->ready()) << "guise-sta-peer did not start";
    auto client = rpc::Client::create(peer_->binding());
    ASSERT_TRUE(client.ok());
    peer_client_ = std::make_unique<rpc::Client>(std::move(*client));
  }

  // The oldest deferred call, once its handler has deferred it.
  std::shared_ptr<rpc::DeferredReply> next_deferred() {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (!deferred_.empty()) {
          auto d = deferred_.front();
          deferred_.pop_front();
          return d;
        }
      }
      if (WaitForSingleObject(deferred_event_, kBoundMs) != WAIT_OBJECT_0) return nullptr;
    }
  }

  std::unique_ptr<rpc::Server> server_;
  std::string self_binding_;
  std::unique_ptr<PeerProcess> peer_;
  std::unique_ptr<rpc::Client> peer_client_;
  int expected_peer_exit_ = 0;
  HANDLE deferred_event_ = nullptr;
  std::mutex mu_;
  std::deque<std::shared_ptr<rpc::DeferredReply>> deferred_;
  std::vector<DWORD> dispatch_threads_;
};

TEST_F(DeferredReplyTest, AReplyWrittenLaterByAnotherThreadReachesTheClientInAnotherProcess) {
  start();
  CallThroughPeer call(*peer_client_, self_binding_);
  auto deferred = next_deferred();
  ASSERT_NE(deferred, nullptr) << "the handler never deferred";
  EXPECT_EQ(deferred->attributes().opnum, 0);
  ASSERT_TRUE(deferred->attributes().client_pid.has_value()) << "the kernel-attested caller travels with the call";
  std::thread replier([&] { EXPECT_TRUE(deferred->reply(as_bytes("answered later")).ok()); });
  replier.join();
  EXPECT_TRUE(deferred->finished());
  ASSERT_TRUE(call.status().ok()) << call.status().to_string();
  EXPECT_EQ(call.reply(), "answered later");
  EXPECT_EQ(deferred->reply(as_bytes("twice")).code(), StatusCode::kFailedPrecondition);
}

// A raw connection to the test's server, bound to kCallbackInterface: PDUs in, PDUs out.
class RawConnection {
 public:
  explicit RawConnection(const std::string& binding_text) {
    auto binding = rpc::StringBinding::parse(binding_text);
    if (!binding.ok()) return;
    auto fd = rpc::connect_to(*binding);
    if (!fd.ok()) return;
    fd_ = std::move(*fd);
    rpc::BindPdu bind;
    bind.header.type = rpc::PType::kBind;
    bind.header.flags = rpc::kPfcFirstFrag | rpc::kPfcLastFrag;
    bind.header.call_id = 1;
    bind.max_xmit_frag = 4280;
    bind.max_recv_frag = 4280;
    bind.contexts.push_back({0, kCallbackInterface, {rpc::kNdr20Syntax}});
    send(rpc::encode_bind(bind));
    auto ack = receive();
    bound_ = ack && std::holds_alternative<rpc::BindAckPdu>(*ack);
  }
  bool bound() const { return bound_; }

  void send(const std::vector<std::byte>& pdu) { ::send(fd_.get(), pdu.data(), pdu.size(), MSG_NOSIGNAL); }
  void send_request(std::uint32_t call_id, std::uint16_t opnum, std::string_view text) {
    const std::vector<std::byte> stub = as_bytes(text);  // RequestPdu::stub is a view: keep the bytes here
    rpc::RequestPdu r;
    r.header.type = rpc::PType::kRequest;
    r.header.flags = rpc::kPfcFirstFrag | rpc::kPfcLastFrag;
    r.header.call_id = call_id;
    r.opnum = opnum;
    r.stub = stub;
    r.alloc_hint = static_cast<std::uint32_t>(stub.size());
    send(rpc::encode_request(r));
  }
  void send_cancel(std::uint32_t call_id) {
    rpc::CancelPdu c;
    c.header.type = rpc::PType::kCoCancel;
    c.header.flags = rpc::kPfcFirstFrag | rpc::kPfcLastFrag;
    c.header.call_id = call_id;
    send(rpc::encode_cancel(c));
  }
  // The next PDU (each wait ≤ kBoundMs), or nullopt.
  std::optional<rpc::Pdu> receive() {
    for (int i = 0; i < 1000; ++i) {
      if (pending_.size() >= rpc::kCommonHeaderSize) {
        const std::size_t length =
            std::to_integer<std::size_t>(pending_[8]) | (std::to_integer<std::size_t>(pending_[9]) << 8);
        if (length >= rpc::kCommonHeaderSize && pending_.size() >= length) {
          auto pdu = rpc::decode_pdu(std::span(pending_.data(), length), rpc::Limits{});
          pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(length));
          if (!pdu) return std::nullopt;
          return std::move(*pdu);
        }
      }
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(kBoundMs)) <= 0) return std::nullopt;
      std::byte buffer[8192];
      const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
      if (n <= 0) return std::nullopt;
      pending_.insert(pending_.end(), buffer, buffer + n);
    }
    return std::nullopt;
  }

 private:
  UniqueFd fd_;
  std::vector<std::byte> pending_;
  bool bound_ = false;
};

// One connection, two requests: the second is answered while the first waits for its deferred reply.
TEST_F(DeferredReplyTest, TheConnectionKeepsServingWhileACallIsDeferred) {
  start();
  RawConnection raw(self_binding_);
  ASSERT_TRUE(raw.bound());
  raw.send_request(7, 0, "deferred");
  auto deferred = next_deferred();
  ASSERT_NE(deferred, nullptr);
  raw.send_request(8, 1, "served meanwhile");
  auto second = raw.receive();
  ASSERT_TRUE(second && std::holds_alternative<rpc::ResponsePdu>(*second));
  EXPECT_EQ(std::get<rpc::ResponsePdu>(*second).header.call_id, 8u);
  ASSERT_TRUE(deferred->reply(as_bytes("first, later")).ok());
  auto first = raw.receive();
  ASSERT_TRUE(first && std::holds_alternative<rpc::ResponsePdu>(*first));
  const auto& response = std::get<rpc::ResponsePdu>(*first);
  EXPECT_EQ(response.header.call_id, 7u);
  EXPECT_EQ(as_text(std::vector<std::byte>(response.stub.begin(), response.stub.end())), "first, later");
}

// co_cancel for a deferred call is recorded, not acted on: whoever finishes the call sees cancelled()
// (COM's ICancelMethodCalls::TestCancel), and its reply still reaches the client. PDUs of a connection
// are read in order, so once the request after the co_cancel is answered, the cancel has been seen.
TEST_F(DeferredReplyTest, ACancelForADeferredCallIsRecordedForItsFinisher) {
  start();
  RawConnection raw(self_binding_);
  ASSERT_TRUE(raw.bound());
  raw.send_request(7, 0, "deferred");
  auto deferred = next_deferred();
  ASSERT_NE(deferred, nullptr);
  raw.send_request(8, 0, "deferred, not cancelled");
  auto other = next_deferred();
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(deferred->cancelled());
  raw.send_cancel(7);
  raw.send_cancel(99);  // no such call: ignored
  raw.send_request(9, 1, "after the cancel");
  auto echo = raw.receive();
  ASSERT_TRUE(echo && std::holds_alternative<rpc::ResponsePdu>(*echo));
  EXPECT_EQ(std::get<rpc::ResponsePdu>(*echo).header.call_id, 9u);
  EXPECT_TRUE(deferred->cancelled());
  EXPECT_FALSE(other->cancelled()) << "a cancel names one call";
  ASSERT_TRUE(deferred->reply(as_bytes("answered anyway")).ok());
  auto first = raw.receive();
  ASSERT_TRUE(first && std::holds_alternative<rpc::ResponsePdu>(*first));
  EXPECT_EQ(std::get<rpc::ResponsePdu>(*first).header.call_id, 7u);
  EXPECT_FALSE(deferred->cancelled()) << "finished";
  // An orphaned call is given up for good: cancelled, and its reply is not sent.
  rpc::OrphanedPdu orphaned;
  orphaned.header.type = rpc::PType::kOrphaned;
  orphaned.header.flags = rpc::kPfcFirstFrag | rpc::kPfcLastFrag;
  orphaned.header.call_id = 8;
  raw.send(rpc::encode_orphaned(orphaned));
  raw.send_request(10, 1, "after the orphaned");
  auto echo2 = raw.receive();
  ASSERT_TRUE(echo2 && std::holds_alternative<rpc::ResponsePdu>(*echo2));
  EXPECT_EQ(std::get<rpc::ResponsePdu>(*echo2).header.call_id, 10u);
  EXPECT_TRUE(other->cancelled());
  EXPECT_EQ(other->reply(as_bytes("nobody waits")).code(), StatusCode::kUnavailable);
}

TEST_F(DeferredReplyTest, TheServerFaultsUnfinishedCallsWhenItStops) {
  start();
  CallThroughPeer call(*peer_client_, self_binding_);
  auto deferred = next_deferred();
  ASSERT_NE(deferred, nullptr);
  server_->stop();
  EXPECT_EQ(call.status().hresult(), HRESULT_FROM_WIN32(rpc::kRpcSCallFailed)) << call.status().to_string();
  Status late = deferred->reply(as_bytes("too late"));
  EXPECT_EQ(late.code(), StatusCode::kUnavailable);
  EXPECT_EQ(late.hresult(), RPC_E_DISCONNECTED);
}

TEST_F(DeferredReplyTest, AReplyToAClientThatDiedReportsTheDisconnection) {
  start();
  expected_peer_exit_ = -1;
  CallThroughPeer call(*peer_client_, self_binding_);
  auto deferred = next_deferred();
  ASSERT_NE(deferred, nullptr);
  peer_->kill();
  EXPECT_EQ(peer_->stop(), -1);  // reaped: every socket it held is closed
  EXPECT_EQ(call.status().code(), StatusCode::kUnavailable) << call.status().to_string();
  Status late = deferred->reply(as_bytes("nobody listens"));
  EXPECT_EQ(late.code(), StatusCode::kUnavailable) << late.to_string();
  EXPECT_EQ(late.hresult(), RPC_E_DISCONNECTED);
  // The server goes on serving others.
  std::vector<std::byte> out;
  auto self = rpc::Client::create(self_binding_);
  ASSERT_TRUE(self.ok());
  ASSERT_TRUE(self->call(kCallbackInterface, 1, as_bytes("still serving"), out).ok());
  EXPECT_EQ(as_text(out), "still serving");
}

TEST_F(DeferredReplyTest, DroppingAnUnfinishedDeferredReplyFaultsTheCall) {
  start();
  CallThroughPeer call(*peer_client_, self_binding_);
  auto deferred = next_deferred();
  ASSERT_NE(deferred, nullptr);
  deferred.reset();  // nobody will answer
  EXPECT_EQ(call.status().hresult(), RPC_E_SERVERFAULT) << call.status().to_string();
}

TEST_F(DeferredReplyTest, AThreadThatImpersonatesRepliesAndIsStillTheCallerAfterwards) {
  GUISE_REQUIRE_ROOT();
  start();
  CallThroughPeer call(*peer_client_, self_binding_);
  auto deferred = next_deferred();
  ASSERT_NE(deferred, nullptr);
  std::vector<long> uids_after;
  Status replied;
  std::thread([&] {
    auto as_alice =
        identity::impersonate(identity::Token::for_ids(kAlice, kAlice, {kAlice}, identity::ImpersonationLevel::kImpersonate));
    ASSERT_TRUE(as_alice.ok()) << as_alice.status().to_string();
    replied = deferred->reply(as_bytes("from alice's thread"));
    uids_after = guise::testing::read_proc_ids().uid;
  }).join();
  ASSERT_TRUE(replied.ok()) << replied.to_string();
  ASSERT_TRUE(call.status().ok()) << call.status().to_string();
  EXPECT_EQ(call.reply(), "from alice's thread");
  ASSERT_EQ(uids_after.size(), 4u);
  EXPECT_EQ(uids_after[1], long{kAlice}) << "the write ran at the process identity and the thread is alice again";
}

// A non-privileged peer (uid 41001) may hold max_calls_per_peer calls, deferred ones included.
TEST_F(DeferredReplyTest, DeferredCallsHoldTheirPeersCallSlots) {
  GUISE_REQUIRE_ROOT();
  rpc::ServerOptions options;
  options.limits.max_calls_per_peer = 2;
  start(options, kAlice);
  CallThroughPeer first(*peer_client_, self_binding_);
  auto one = next_deferred();
  CallThroughPeer second(*peer_client_, self_binding_);
  auto two = next_deferred();
  ASSERT_TRUE(one && two);
  {
    CallThroughPeer third(*peer_client_, self_binding_);
    EXPECT_EQ(third.status().hresult(), HRESULT_FROM_WIN32(rpc::kRpcSServerTooBusy)) << third.status().to_string();
  }
  ASSERT_TRUE(one->reply(as_bytes("one")).ok());
  ASSERT_TRUE(two->reply(as_bytes("two")).ok());
  EXPECT_EQ(first.reply(), "one");
  EXPECT_EQ(second.reply(), "two");
  CallThroughPeer fourth(*peer_client_, self_binding_);
  auto four = next_deferred();
  ASSERT_NE(four, nullptr) << "the slots came back with the replies";
  ASSERT_TRUE(four->reply(as_bytes("four")).ok());
  EXPECT_EQ(fourth.reply(), "four");
}

// Root is privileged (no share of its own): the server-wide bound still holds.
TEST_F(DeferredReplyTest, MaxDeferredCallsBoundsThemServerWide) {
  rpc::ServerOptions options;
  options.limits.max_deferred_calls = 1;
  start(options);
  CallThroughPeer first(*peer_client_, self_binding_);
  auto one = next_deferred();
  ASSERT_NE(one, nullptr);
  {
    CallThroughPeer second(*peer_client_, self_binding_);
    EXPECT_EQ(second.status().hresult(), HRESULT_FROM_WIN32(rpc::kRpcSServerTooBusy)) << second.status().to_string();
  }
  ASSERT_TRUE(one->reply(as_bytes("one")).ok());
  EXPECT_EQ(first.reply(), "one");
}

}  // namespace
}  // namespace guise::com::testing
