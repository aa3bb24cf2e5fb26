// Hostile ORPC input against a guise-com-test-server, sent with a raw RPC client: forged IPIDs,
// interfaces an IPID was not marshaled for, bad ORPCTHIS, bad OBJREFs as parameters, reference-count
// underflow, forged OIDs and someone else's ping set. Each gets an error; the server keeps serving
// everyone else and no forged identifier reaches an object.
#include <gtest/gtest.h>

#include "com/dual_string_array.h"
#include "com/objref.h"
#include "com/orpc_headers.h"
#include "com/remote_oxid.h"
#include "com/connection_source.h"
#include "guise/winerror.h"
#include "integration/com/com_fixture.h"
#include "integration/com/objref_text.h"
#include "ndr/decode_error.h"
#include "oxidresolver.h"
#include "remunkn.h"
#include "rpc/fault_status.h"
#include "rpc/ndr_interface.h"

namespace guise::com::testing {
namespace {

class ComHostile : public ComTest {
 protected:
  void SetUp() override {
    ComTest::SetUp();
    server_ = start_server();
    ASSERT_FALSE(server_.objref.empty());
    const std::string bytes = bytes_from_hex(server_.objref);
    auto objref = decode_objref(std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
    ASSERT_TRUE(objref.ok()) << objref.status().to_string();
    objref_ = *objref;
    auto binding = OxidTable::pick_binding(objref_.resolver);
    ASSERT_TRUE(binding);
    auto client = rpc::Client::create(binding->to_string(), ConnectionSource::default_auth(*binding));
    ASSERT_TRUE(client.ok());
    client_ = std::make_unique<rpc::Client>(std::move(*client));
    IObjectExporter_Client resolver(rpc::call_fn_for(*client_, IObjectExporter_v0_0_s_ifspec));
    OXID oxid = objref_.std.oxid;
    USHORT towers[] = {kTowerNcalrpc};
    DUALSTRINGARRAY* bindings = nullptr;
    DWORD hint = 0;
    COMVERSION version{};
    ASSERT_EQ(resolver.ResolveOxid2(nullptr, &oxid, 1, towers, &bindings, &rem_unknown_, &hint, &version), 0u);
    CoTaskMemFree(bindings);
  }

  // An ORPC request body: ORPCTHIS (version major.minor) + `args`.
  static std::vector<std::byte> orpc_body(std::span<const std::byte> args, std::uint16_t minor = kComVersionMinor,
                                          std::uint16_t major = kComVersionMajor) {
    ndr::Writer w;
    OrpcThis header;
    header.version_major = major;
    header.version_minor = minor;
    put_orpcthis(w, header);
    w.write_bytes(args);
    return {w.bytes().begin(), w.bytes().end()};
  }

  Status call(const IID& iid, std::uint16_t opnum, const GUID& ipid, std::span<const std::byte> body,
              std::vector<std::byte>& reply) {
    rpc::CallOptions options;
    options.object = ipid;
    return client_->call(rpc::InterfaceId{iid, 0, 0}, opnum, body, reply, options);
  }

  // ITestObject::Add(2, 3) on `ipid`: the server's sum and HRESULT, or the call's failure.
  Status add(const GUID& ipid, const IID& iid = IID_ITestObject) {
    ndr::Writer args;
    args.write_u32(2);
    args.write_u32(3);
    std::vector<std::byte> reply;
    return call(iid, 4, ipid, orpc_body(args.bytes()), reply);
  }

  void expect_still_serving() {
    ComPtr<ITestObject> root = unmarshal_root(server_);
    ASSERT_TRUE(root);
    LONG sum = 0;
    EXPECT_EQ(root->Add(20, 22, &sum), S_OK) << "the server stopped serving others";
    EXPECT_EQ(sum, 42);
  }

  ServerHandle server_;
  ObjRef objref_;
  std::unique_ptr<rpc::Client> client_;
  IPID rem_unknown_{};
};

TEST_F(ComHostile, AWellFormedRawCallWorksSoTheRefusalsBelowMeanSomething) {
  EXPECT_TRUE(add(objref_.std.ipid).ok());
}

TEST_F(ComHostile, AForgedIpidReachesNoObject) {
  GUID forged = objref_.std.ipid;
  forged.Data4[7] ^= 0x01;
  Status st = add(forged);
  EXPECT_EQ(st.hresult(), RPC_E_DISCONNECTED) << st.to_string();
  expect_still_serving();
}

TEST_F(ComHostile, ACallWithoutAnIpidIsRefused) {
  ndr::Writer args;
  args.write_u32(2);
  args.write_u32(3);
  std::vector<std::byte> reply;
  Status st = client_->call(rpc::InterfaceId{IID_ITestObject, 0, 0}, 4, orpc_body(args.bytes()), reply);
  EXPECT_EQ(st.hresult(), RPC_E_INVALID_IPID) << st.to_string();
}

TEST_F(ComHostile, AnIpidCalledThroughAnInterfaceItWasNotMarshaledForIsRefused) {
  // IOther::Twice(21) — the object implements IOther, but this IPID stands for ITestObject.
  ndr::Writer args;
  args.write_u32(21);
  std::vector<std::byte> reply;
  Status st = call(IID_IOther, 3, objref_.std.ipid, orpc_body(args.bytes()), reply);
  EXPECT_EQ(st.hresult(), RPC_E_INVALID_IPID) << st.to_string();
  // ...and the IRemUnknown IPID is not a way into the object either.
  st = add(rem_unknown_);
  EXPECT_EQ(st.hresult(), RPC_E_INVALID_IPID) << st.to_string();
}

TEST_F(ComHostile, ANewerComVersionIsRefusedWithRpcEVersionMismatch) {
  ndr::Writer args;
  args.write_u32(2);
  args.write_u32(3);
  std::vector<std::byte> reply;
  Status st = call(IID_ITestObject, 4, objref_.std.ipid, orpc_body(args.bytes(), 8), reply);
  EXPECT_EQ(st.hresult(), RPC_E_VERSION_MISMATCH) << st.to_string();
  st = call(IID_ITestObject, 4, objref_.std.ipid, orpc_body(args.bytes(), 7, 6), reply);
  EXPECT_EQ(st.hresult(), RPC_E_VERSION_MISMATCH) << st.to_string();
}

TEST_F(ComHostile, GarbageStubDataIsBadStubData) {
  std::vector<std::byte> reply;
  const std::vector<std::byte> short_header(12, std::byte{0x41});
  Status st = call(IID_ITestObject, 4, objref_.std.ipid, short_header, reply);
  EXPECT_EQ(st.hresult(), ndr::kHresultBadStubData) << st.to_string();
  // A well-formed ORPCTHIS followed by too few parameter bytes.
  const std::byte one[4] = {};
  st = call(IID_ITestObject, 4, objref_.std.ipid, orpc_body(one), reply);
  EXPECT_EQ(st.hresult(), ndr::kHresultBadStubData) << st.to_string();
  expect_still_serving();
}

TEST_F(ComHostile, ABadObjrefAsAnInterfaceParameterIsBadStubData) {
  // ITestObject::Hold([in] ITestObject*): a unique pointer to an MInterfacePointer whose OBJREF lies.
  for (const std::vector<std::byte>& objref : {std::vector<std::byte>(40, std::byte{0x4D}),
                                               encode_objref(ObjRef{IID_ITestObject, {0, 5, 1, 2, {}}, {}})}) {
    ndr::Writer args;
    args.write_u32(0x00020000);  // referent
    ndr::put_interface_blob(args, objref);
    std::vector<std::byte> reply;
    Status st = call(IID_ITestObject, 11, objref_.std.ipid, orpc_body(args.bytes()), reply);
    EXPECT_EQ(st.hresult(), ndr::kHresultBadStubData) << st.to_string();
  }
  expect_still_serving();
}

TEST_F(ComHostile, AnUnknownOpnumIsOutOfRange) {
  std::vector<std::byte> reply;
  Status st = call(IID_ITestObject, 200, objref_.std.ipid, orpc_body({}), reply);
  EXPECT_EQ(st.hresult(), HRESULT_FROM_WIN32(1745)) << st.to_string();  // RPC_S_PROCNUM_OUT_OF_RANGE
}

// IRemUnknown::RemRelease(1, {ipid, public, private}) sent raw; the method's HRESULT.
HRESULT rem_release(rpc::Client& client, const IPID& rem_unknown, const IPID& ipid, ULONG public_refs,
                    ULONG private_refs) {
  ndr::Writer args;
  ndr::put(args, std::uint16_t{1});
  args.write_conformance(1);
  args.write_guid(ipid);
  args.write_u32(public_refs);
  args.write_u32(private_refs);
  ndr::Writer body;
  put_orpcthis(body, {});
  body.write_bytes(args.bytes());
  rpc::CallOptions options;
  options.object = rem_unknown;
  std::vector<std::byte> reply;
  Status st = client.call(rpc::InterfaceId{IID_IRemUnknown, 0, 0}, 5, body.bytes(), reply, options);
  if (!st.ok()) return status_to_hresult(st);
  if (reply.size() != 12) return E_UNEXPECTED;  // ORPCTHAT (8) + HRESULT
  std::uint32_t hr = 0;
  std::memcpy(&hr, reply.data() + 8, 4);
  return static_cast<HRESULT>(hr);
}

TEST_F(ComHostile, ReleasingMoreReferencesThanExistIsRefusedAndChangesNothing) {
  ComPtr<ITestObject> root = unmarshal_root(server_);
  ASSERT_TRUE(root);
  ComPtr<ITestObject> child;
  ASSERT_EQ(root->CreateChild(child.GetAddressOf()), S_OK);
  // The OBJREF the server printed carries 5 references; our proxy holds them. Ask for 1000.
  EXPECT_EQ(rem_release(*client_, rem_unknown_, objref_.std.ipid, 1000, 0), E_INVALIDARG);
  EXPECT_EQ(rem_release(*client_, rem_unknown_, objref_.std.ipid, 0, 7), E_INVALIDARG)
      << "private references this peer never took";
  LONG sum = 0;
  EXPECT_EQ(root->Add(1, 2, &sum), S_OK) << "the refused release must not have touched the object";
  ASSERT_TRUE(server_.process->send("live"));
  EXPECT_EQ(server_.process->wait_for("live="), "2");
}

TEST_F(ComHostile, ForgedOidsInAPingAreReportedAndNotAdded) {
  IObjectExporter_Client resolver(rpc::call_fn_for(*client_, IObjectExporter_v0_0_s_ifspec));
  SETID set = 0;
  OID add[] = {objref_.std.oid, 0x1234567890ABCDEFull};
  USHORT backoff = 0;
  EXPECT_EQ(resolver.ComplexPing(nullptr, &set, 1, 2, 0, add, nullptr, &backoff), 1911u) << "OR_INVALID_OID";
  EXPECT_NE(set, 0u) << "the set holding the real OID exists";
  EXPECT_EQ(resolver.SimplePing(nullptr, &set), 0u);
  OID del[] = {0x42};
  EXPECT_EQ(resolver.ComplexPing(nullptr, &set, 2, 0, 1, nullptr, del, &backoff), 0u)
      << "unknown OIDs in DelFromSet are ignored (impacket sends them)";
  SETID forged = set ^ 1;
  EXPECT_EQ(resolver.SimplePing(nullptr, &forged), 1914u) << "OR_INVALID_SET";
}

TEST_F(ComHostile, APingSetCannotBePingedOrChangedByAnotherPeer) {
  IObjectExporter_Client resolver(rpc::call_fn_for(*client_, IObjectExporter_v0_0_s_ifspec));
  SETID set = 0;
  OID add[] = {objref_.std.oid};
  USHORT backoff = 0;
  ASSERT_EQ(resolver.ComplexPing(nullptr, &set, 1, 1, 0, add, nullptr, &backoff), 0u);
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(set));
  TestProcess other({GUISE_COM_TEST_CLIENT, server_.objref, "simple-ping", hex});
  EXPECT_EQ(other.wait_for("status="), "5") << "ERROR_ACCESS_DENIED for another process's set";
  EXPECT_EQ(resolver.SimplePing(nullptr, &set), 0u) << "the owner still pings it";
}

TEST_F(ComHostile, APeerCannotOwnMorePingSetsThanItsShare) {
  IObjectExporter_Client resolver(rpc::call_fn_for(*client_, IObjectExporter_v0_0_s_ifspec));
  const ComLimits limits;
  USHORT backoff = 0;
  error_status_t last = 0;
  std::uint32_t created = 0;
  for (std::uint32_t i = 0; i < limits.max_ping_sets_per_peer + 2; ++i) {
    SETID set = 0;
    last = resolver.ComplexPing(nullptr, &set, 1, 0, 0, nullptr, nullptr, &backoff);
    if (last != 0) break;
    ++created;
  }
  // The test process's own proxies may already own a set at this server.
  EXPECT_GE(created + 1, limits.max_ping_sets_per_peer);
  EXPECT_LE(created, limits.max_ping_sets_per_peer);
  EXPECT_EQ(last, 8u) << "ERROR_NOT_ENOUGH_MEMORY past the per-peer share";
  expect_still_serving();
}

TEST_F(ComHostile, ResolvingAnOxidOfAnotherExporterFails) {
  IObjectExporter_Client resolver(rpc::call_fn_for(*client_, IObjectExporter_v0_0_s_ifspec));
  OXID other = objref_.std.oxid ^ 0xFF;
  USHORT towers[] = {kTowerNcalrpc};
  DUALSTRINGARRAY* bindings = nullptr;
  IPID ipid{};
  DWORD hint = 0;
  COMVERSION version{};
  EXPECT_EQ(resolver.ResolveOxid2(nullptr, &other, 1, towers, &bindings, &ipid, &hint, &version), 1910u)
      << "OR_INVALID_OXID";
  EXPECT_EQ(bindings, nullptr);
}

}  // namespace
}  // namespace guise::com::testing
