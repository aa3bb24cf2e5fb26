// Malformed and hostile input against a live server: each gets a fault or a close, and a
// well-behaved client is served afterwards.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include "guise/winerror.h"
#include "integration/rpc/rpc_fixture.h"
#include "rpc/client.h"
#include "rpc/fault_status.h"
#include "rpc/local_security.h"

namespace guise::rpc::testing {
namespace {

std::vector<std::byte> raw(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(std::byte{static_cast<std::uint8_t>(v)});
  return out;
}

std::uint32_t fault_status_of(const std::vector<std::byte>& pdu) {
  auto decoded = decode_pdu(pdu, Limits{});
  if (!decoded.ok()) return 0xffffffff;
  auto* fault = std::get_if<FaultPdu>(&*decoded);
  return fault ? fault->status : 0xfffffffe;
}

std::uint32_t call_id_of(const std::vector<std::byte>& pdu) {
  auto header = decode_header(pdu);
  return header.ok() ? header->call_id : 0xffffffff;
}

int bind_nak_reason_of(const std::vector<std::byte>& pdu) {
  auto decoded = decode_pdu(pdu, Limits{});
  if (!decoded.ok()) return -1;
  auto* nak = std::get_if<BindNakPdu>(&*decoded);
  return nak ? nak->reason : -2;
}

class RpcHostileTest : public RpcServerTest {
 protected:
  // A well-behaved client is served (asserted after every hostile act).
  void expect_served() {
    auto client = Client::create(local_, AuthInfo::local(AuthnLevel::kConnect, identity::ImpersonationLevel::kIdentify));
    ASSERT_TRUE(client.ok());
    auto out = client->call(kProbeInterface, kEcho, as_bytes("still here"));
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(as_text(*out), "still here");
  }
};

TEST_F(RpcHostileTest, TruncatedHeaderAndCloseIsSurvived) {
  {
    RawConnection c(local_);
    c.send(raw({5, 0, 11, 3, 0x10, 0, 0}));
  }
  expect_served();
}

TEST_F(RpcHostileTest, FragLengthLyingShortIsAProtocolErrorThatCloses) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  auto request = probe_request(kEcho, as_bytes("abcd"));
  request[8] = std::byte{18};  // frag_length 18: a request body needs 8
  c.send(request);
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaProtoError);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

TEST_F(RpcHostileTest, HugeFragLengthClosesBeforeTheBodyIsBuffered) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  // A request header announcing 65535 octets, then nothing: the fault names the request's call_id.
  c.send(raw({5, 0, 0, 3, 0x10, 0, 0, 0, 0xff, 0xff, 0, 0, 0x2a, 0, 0, 0}));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaProtoError);
  EXPECT_EQ(call_id_of(*fault), 0x2au);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

// MS-RPCE §2.2.2.5: a bind that fails framing is answered with bind_nak carrying the bind's call_id,
// then the connection closes; faults are for requests.
TEST_F(RpcHostileTest, ABindOverTheFragmentLimitGetsBindNakLocalLimitExceeded) {
  RawConnection c(local_);
  c.send(raw({5, 0, 11, 3, 0x10, 0, 0, 0, 0xff, 0xff, 0, 0, 0x37, 0x13, 0, 0}));
  auto nak = c.receive_pdu();
  ASSERT_TRUE(nak.has_value());
  EXPECT_EQ(bind_nak_reason_of(*nak), static_cast<int>(BindNakReason::kLocalLimitExceeded));
  EXPECT_EQ(call_id_of(*nak), 0x1337u);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

TEST_F(RpcHostileTest, ABindOfAnotherRpcVersionGetsBindNakProtocolVersionNotSupported) {
  for (std::uint8_t major_minor : {0x52 /* 5.2 */, 0x40 /* 4.0 */, 0x60 /* 6.0 */}) {
    RawConnection c(local_);
    auto bind = probe_bind(0x0badcafe);
    bind[0] = std::byte{static_cast<std::uint8_t>(major_minor >> 4)};
    bind[1] = std::byte{static_cast<std::uint8_t>(major_minor & 0xf)};
    c.send(bind);
    auto nak = c.receive_pdu();
    ASSERT_TRUE(nak.has_value()) << std::hex << int{major_minor};
    EXPECT_EQ(bind_nak_reason_of(*nak), static_cast<int>(BindNakReason::kProtocolVersionNotSupported));
    EXPECT_EQ(call_id_of(*nak), 0x0badcafeu);
    EXPECT_TRUE(c.closed_by_server());
  }
  // 5.1 is accepted (some stacks send it).
  RawConnection ok(local_);
  auto bind = probe_bind(9);
  bind[1] = std::byte{1};
  ok.send(bind);
  auto ack = ok.receive_pdu();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ((*ack)[2], std::byte{12});  // bind_ack
  expect_served();
}

TEST_F(RpcHostileTest, ABindOfferingMoreContextsThanTheLimitGetsBindNakLocalLimitExceeded) {
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = 77;
  b.max_xmit_frag = b.max_recv_frag = 4280;
  for (std::uint16_t i = 0; i <= Limits{}.max_contexts_per_bind; ++i) b.contexts.push_back({i, kProbeInterface, {kNdr20Syntax}});
  RawConnection c(local_);
  c.send(encode_bind(b));
  auto nak = c.receive_pdu();
  ASSERT_TRUE(nak.has_value());
  EXPECT_EQ(bind_nak_reason_of(*nak), static_cast<int>(BindNakReason::kLocalLimitExceeded));
  EXPECT_EQ(call_id_of(*nak), 77u);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

TEST_F(RpcHostileTest, AMalformedBindGetsBindNakWithItsCallId) {
  RawConnection c(local_);
  auto bind = probe_bind(31);
  bind[24] = std::byte{5};  // n_context_elem claims 5, one present
  c.send(bind);
  auto nak = c.receive_pdu();
  ASSERT_TRUE(nak.has_value());
  EXPECT_EQ(bind_nak_reason_of(*nak), static_cast<int>(BindNakReason::kProtocolVersionNotSupported));
  EXPECT_EQ(call_id_of(*nak), 31u);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(RpcHostileTest, UnknownPacketTypeCloses) {
  RawConnection c(local_);
  c.send(raw({5, 0, 42, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0}));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaProtoError);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

TEST_F(RpcHostileTest, BadAuthLengthCloses) {
  RawConnection c(local_);
  auto bind = probe_bind();
  bind[10] = std::byte{0xf0};  // auth_length far beyond the fragment
  c.send(bind);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

TEST_F(RpcHostileTest, RequestBeforeBindFaultsAndCloses) {
  RawConnection c(local_);
  c.send(probe_request(kEcho, as_bytes("x")));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaProtoError);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

TEST_F(RpcHostileTest, UnknownContextIdFaultsAndTheAssociationGoesOn) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  c.send(probe_request(kEcho, as_bytes("x"), 2, /*context_id=*/7));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaUnknownInterface);
  c.send(probe_request(kEcho, as_bytes("ok"), 3, 0));
  auto response = c.receive_pdu();
  ASSERT_TRUE(response.has_value());
  auto decoded = decode_pdu(*response, Limits{});
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(std::holds_alternative<ResponsePdu>(*decoded));
  EXPECT_EQ(std::get<ResponsePdu>(*decoded).stub.size(), 2u);
}

TEST_F(RpcHostileTest, GarbageStubDataFaultsWithBadStubData) {
  auto client = Client::create(local_);
  ASSERT_TRUE(client.ok());
  auto out = client->call(kProbeInterface, kAddOne, as_bytes("xyz"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.status().hresult(), HRESULT_FROM_WIN32(1783));  // RPC_X_BAD_STUB_DATA
  expect_served();
}

TEST_F(RpcHostileTest, UnknownOpnumFaultsWithOpRangeError) {
  auto client = Client::create(local_);
  ASSERT_TRUE(client.ok());
  auto out = client->call(kProbeInterface, 999, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.status().hresult(), HRESULT_FROM_WIN32(1745));  // RPC_S_PROCNUM_OUT_OF_RANGE
}

TEST_F(RpcHostileTest, UnknownInterfaceIsRejectedAtBind) {
  auto client = Client::create(local_);
  ASSERT_TRUE(client.ok());
  InterfaceId unknown = kProbeInterface;
  unknown.uuid.Data1 ^= 1;
  auto out = client->call(unknown, 0, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.status().hresult(), HRESULT_FROM_WIN32(1717));  // RPC_S_UNKNOWN_IF
}

TEST_F(RpcHostileTest, NegotiationAcceptsNdr20DeclinesNdr64AndAnswersFeatureNegotiation) {
  RawConnection c(local_);
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = 1;
  b.max_xmit_frag = b.max_recv_frag = 4280;
  SyntaxId btfn{{kBtfnPrefixData1, kBtfnPrefixData2, kBtfnPrefixData3, {0x03, 0, 0, 0, 0, 0, 0, 0}}, 1, 0};
  b.contexts = {{0, kProbeInterface, {kNdr64Syntax}}, {1, kProbeInterface, {kNdr20Syntax}}, {2, kProbeInterface, {btfn}}};
  c.send(encode_bind(b));
  auto ack_bytes = c.receive_pdu();
  ASSERT_TRUE(ack_bytes.has_value());
  auto ack = decode_pdu(*ack_bytes, Limits{});
  ASSERT_TRUE(ack.ok());
  const auto& results = std::get<BindAckPdu>(*ack).results;
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].result, ContextResult::kProviderRejection);
  EXPECT_EQ(results[0].reason, 2);  // proposed_transfer_syntaxes_not_supported
  EXPECT_EQ(results[1].result, ContextResult::kAcceptance);
  EXPECT_EQ(results[1].transfer_syntax, kNdr20Syntax);
  EXPECT_EQ(results[2].result, ContextResult::kNegotiateAck);
  EXPECT_EQ(results[2].reason, 3);
}

TEST_F(RpcHostileTest, SecondBindIsAProtocolError) {
  RawConnection c(local_);
  c.send(probe_bind(1));
  ASSERT_TRUE(c.receive_pdu().has_value());
  c.send(probe_bind(2));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaProtoError);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(RpcHostileTest, BindWithTinyFragmentSizesIsRefused) {
  RawConnection c(local_);
  auto bind = probe_bind();
  bind[16] = std::byte{0x10};  // max_xmit_frag = 16
  bind[17] = std::byte{0};
  c.send(bind);
  auto nak = c.receive_pdu();
  ASSERT_TRUE(nak.has_value());
  EXPECT_EQ((*nak)[2], std::byte{13});
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(RpcHostileTest, APeerThatDisconnectsMidCallIsSurvived) {
  {
    RawConnection c(local_);
    c.send(probe_bind());
    ASSERT_TRUE(c.receive_pdu().has_value());
    c.send(probe_request(kSum, std::vector<std::byte>(100, std::byte{1}), 2, 0, kPfcFirstFrag));
    auto half = probe_request(kSum, std::vector<std::byte>(100, std::byte{1}), 2, 0, 0);
    half.resize(40);
    c.send(half);
  }
  expect_served();
}

TEST_F(RpcHostileTest, AnInterleavedFragmentOfAnotherCallIsReassembledSeparately) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  c.send(probe_request(kSum, std::vector<std::byte>(8, std::byte{1}), 5, 0, kPfcFirstFrag));
  c.send(probe_request(kSum, std::vector<std::byte>(8, std::byte{2}), 6, 0, kPfcFirstFrag));
  c.send(probe_request(kSum, std::vector<std::byte>(8, std::byte{1}), 5, 0, kPfcLastFrag));
  auto first = c.receive_pdu();
  ASSERT_TRUE(first.has_value());
  auto decoded = decode_pdu(*first, Limits{});
  ASSERT_TRUE(decoded.ok());
  const auto& response = std::get<ResponsePdu>(*decoded);
  EXPECT_EQ(response.header.call_id, 5u);
  std::vector<std::byte> stub(response.stub.begin(), response.stub.end());
  EXPECT_EQ(parse_fields(as_text(stub))["sum"], "16");
}

TEST_F(RpcHostileTest, OrphanedCallIsDroppedWithoutAReply) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  c.send(probe_request(kSum, std::vector<std::byte>(8, std::byte{1}), 5, 0, kPfcFirstFrag));
  OrphanedPdu o;
  o.header.call_id = 5;
  o.header.flags = kPfcFirstFrag | kPfcLastFrag;
  c.send(encode_orphaned(o));
  c.send(probe_request(kEcho, as_bytes("next"), 6));
  auto reply = c.receive_pdu();
  ASSERT_TRUE(reply.has_value());
  auto decoded = decode_pdu(*reply, Limits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<ResponsePdu>(*decoded).header.call_id, 6u);  // nothing was sent for call 5
}

TEST_F(RpcHostileTest, AClientThatDiesWhileItsCallRunsCostsTheServerNothing) {
  {
    RawConnection c(local_);
    c.send(probe_bind());
    ASSERT_TRUE(c.receive_pdu().has_value());
    c.send(probe_request(kBlock, {}));
  }  // the client is gone while its call blocks in the server
  auto releaser = Client::create(local_);
  ASSERT_TRUE(releaser.ok());
  ASSERT_TRUE(releaser->call(kProbeInterface, kRelease, {}).ok());  // the reply to the dead client fails
  expect_served();
}

TEST_F(RpcHostileTest, MoreHalfSentCallsThanTheLimitFaultWithServerTooBusyAndClose) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  for (std::uint32_t call = 10; call < 10 + Limits{}.max_calls_in_progress + 1; ++call) {
    c.send(probe_request(kSum, std::vector<std::byte>(8, std::byte{1}), call, 0, kPfcFirstFrag));
  }
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaServerTooBusy);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

class RpcOneThreadTest : public RpcHostileTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions o;
    o.threads = 1;
    o.limits.max_connections = 4;
    o.limits.max_call_bytes = 64 * 1024;
    return o;
  }
};

TEST_F(RpcOneThreadTest, ASlowClientDoesNotHoldTheOnlyServingThread) {
  RawConnection slow(local_);
  slow.send(raw({5, 0, 11, 3, 0x10, 0, 0, 0}));  // half a header, then nothing
  RawConnection slower(local_);
  slower.send(probe_bind());
  ASSERT_TRUE(slower.receive_pdu().has_value());
  auto request = probe_request(kEcho, as_bytes("abc"));
  request.resize(30);  // most of a request, then nothing
  slower.send(request);
  expect_served();
  expect_served();
}

TEST_F(RpcOneThreadTest, ConnectionsBeyondTheLimitAreClosed) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(local_));
    held.back()->send(probe_bind());
    ASSERT_TRUE(held.back()->receive_pdu().has_value());  // each is accepted and served
  }
  RawConnection extra(local_);
  extra.send(probe_bind());
  EXPECT_TRUE(extra.closed_by_server());
  held.clear();
}

TEST_F(RpcOneThreadTest, ACallLargerThanTheLimitFaultsAndCloses) {
  auto client = Client::create(local_);
  ASSERT_TRUE(client.ok());
  std::vector<std::byte> big(100 * 1024, std::byte{1});
  auto out = client->call(kProbeInterface, kSum, big);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.status().hresult(), E_OUTOFMEMORY);  // nca_s_fault_remote_no_memory
  expect_served();
}

class RpcSlowClientTest : public RpcHostileTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions o;
    o.limits.partial_pdu_timeout = std::chrono::milliseconds(300);
    return o;
  }
};

TEST_F(RpcSlowClientTest, SlowAndSilentClientsAreClosedAndIdleBoundOnesAreKept) {
  RawConnection idle(local_);  // bound, then idle between calls: a pooled connection
  idle.send(probe_bind());
  ASSERT_TRUE(idle.receive_pdu().has_value());
  RawConnection silent(local_);  // connects and never sends a byte
  RawConnection slow(local_);    // half a header, then nothing
  slow.send(raw({5, 0, 11, 3, 0x10, 0, 0, 0}));
  EXPECT_TRUE(slow.closed_by_server());
  EXPECT_TRUE(silent.closed_by_server());
  // The reaper has run past the timeout by now; the idle bound connection still serves.
  idle.send(probe_request(kEcho, as_bytes("kept")));
  auto reply = idle.receive_pdu();
  ASSERT_TRUE(reply.has_value());
  auto decoded = decode_pdu(*reply, Limits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::holds_alternative<ResponsePdu>(*decoded));
  expect_served();
}

TEST_F(RpcHostileTest, AMultiFragmentRequestOnAnUnboundContextFaultsAndIsNeverDispatched) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  // Context 7 was never bound: the first fragment is refused at once (unknown interface), so the
  // call is never reassembled — and never reaches a dispatch that would look the context up.
  c.send(probe_request(kSum, std::vector<std::byte>(8, std::byte{1}), 5, 7, kPfcFirstFrag));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaUnknownInterface);
  EXPECT_EQ(call_id_of(*fault), 5u);
  // Its last fragment continues nothing: a sequence error, and the association closes.
  c.send(probe_request(kSum, std::vector<std::byte>(8, std::byte{1}), 5, 7, kPfcLastFrag));
  auto second = c.receive_pdu();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(fault_status_of(*second), kNcaProtoError);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

class RpcSmallLimitsTest : public RpcHostileTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions o;
    o.limits.max_call_bytes = 1000;
    o.limits.max_security_contexts = 2;
    o.limits.max_contexts_per_association = 3;
    return o;
  }
  // alter_context adding presentation context `context_id` (probe interface) and, optionally, a
  // local security context `auth_context_id`.
  static std::vector<std::byte> alter_context(std::uint32_t call_id, std::uint16_t context_id,
                                              std::optional<std::uint32_t> auth_context_id = std::nullopt) {
    BindPdu b;
    b.header.type = PType::kAlterContext;
    b.header.flags = kPfcFirstFrag | kPfcLastFrag;
    b.header.call_id = call_id;
    b.max_xmit_frag = b.max_recv_frag = 4280;
    b.contexts.push_back({context_id, kProbeInterface, {kNdr20Syntax}});
    if (auth_context_id) {
      b.auth = make_local_auth_request(AuthnLevel::kConnect, identity::ImpersonationLevel::kIdentify, 0,
                                       *auth_context_id);
    }
    return encode_bind(b);
  }
  static PType type_of(const std::vector<std::byte>& pdu) { return static_cast<PType>(pdu[2]); }
};

TEST_F(RpcSmallLimitsTest, AFirstFragmentOverMaxCallBytesFaultsAndCloses) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  c.send(probe_request(kSum, std::vector<std::byte>(2000, std::byte{1}), 3, 0, kPfcFirstFrag));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault_status_of(*fault), kNcaFaultRemoteNoMemory);
  EXPECT_EQ(call_id_of(*fault), 3u);
  EXPECT_TRUE(c.closed_by_server());
  // A single fragment over the limit is refused just the same.
  RawConnection single(local_);
  single.send(probe_bind());
  ASSERT_TRUE(single.receive_pdu().has_value());
  single.send(probe_request(kSum, std::vector<std::byte>(2000, std::byte{1}), 4));
  auto also = single.receive_pdu();
  ASSERT_TRUE(also.has_value());
  EXPECT_EQ(fault_status_of(*also), kNcaFaultRemoteNoMemory);
  expect_served();
}

TEST_F(RpcSmallLimitsTest, SecurityContextsBeyondTheLimitAreRefused) {
  RawConnection c(local_);
  c.send(probe_bind(1, make_local_auth_request(AuthnLevel::kConnect, identity::ImpersonationLevel::kIdentify, 0, 0)));
  auto ack = c.receive_pdu();
  ASSERT_TRUE(ack.has_value());
  ASSERT_EQ(type_of(*ack), PType::kBindAck);
  c.send(alter_context(2, 1, 1));  // the second security context: allowed
  auto second = c.receive_pdu();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(type_of(*second), PType::kAlterContextResp);
  c.send(alter_context(3, 2, 2));  // a third: over max_security_contexts
  auto third = c.receive_pdu();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(type_of(*third), PType::kFault);
  EXPECT_EQ(fault_status_of(*third), kNcaServerTooBusy);
  EXPECT_TRUE(c.closed_by_server());
  expect_served();
}

TEST_F(RpcSmallLimitsTest, PresentationContextsBeyondThePerAssociationLimitAreRefused) {
  RawConnection c(local_);
  c.send(probe_bind());
  ASSERT_TRUE(c.receive_pdu().has_value());
  for (std::uint16_t id = 1; id < 3; ++id) {
    c.send(alter_context(10 + id, id));
    auto resp = c.receive_pdu();
    ASSERT_TRUE(resp.has_value());
    ASSERT_EQ(type_of(*resp), PType::kAlterContextResp) << id;
  }
  c.send(alter_context(20, 3));  // a fourth presentation context
  auto refused = c.receive_pdu();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(type_of(*refused), PType::kFault);
  EXPECT_TRUE(c.closed_by_server());
  // A bind that alone offers more than the association may hold gets bind_nak local_limit_exceeded.
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = 30;
  b.max_xmit_frag = b.max_recv_frag = 4280;
  for (std::uint16_t i = 0; i < 4; ++i) b.contexts.push_back({i, kProbeInterface, {kNdr20Syntax}});
  RawConnection many(local_);
  many.send(encode_bind(b));
  auto nak = many.receive_pdu();
  ASSERT_TRUE(nak.has_value());
  EXPECT_EQ(bind_nak_reason_of(*nak), static_cast<int>(BindNakReason::kLocalLimitExceeded));
  EXPECT_EQ(call_id_of(*nak), 30u);
  expect_served();
}

class RpcIdleTest : public RpcHostileTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions o;
    o.limits.idle_timeout = std::chrono::milliseconds(300);
    return o;
  }
};

TEST_F(RpcIdleTest, ABoundConnectionWithNoCallForTheIdleTimeoutIsClosed) {
  RawConnection idle(local_);
  idle.send(probe_bind());
  ASSERT_TRUE(idle.receive_pdu().has_value());
  idle.send(probe_request(kEcho, as_bytes("once")));
  ASSERT_TRUE(idle.receive_pdu().has_value());
  EXPECT_TRUE(idle.closed_by_server());  // within 10 s: the reaper closes it after 300 ms
  expect_served();
}

}  // namespace
}  // namespace guise::rpc::testing
