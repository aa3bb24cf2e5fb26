// The system interfaces generated from idl/ carry their DCOM messages through the generated proxies,
// stubs and dispatch tables: IRemUnknown(2) (arrays of structures behind [out] pointers, arrays of
// MInterfacePointer pointers), IObjectExporter (unique conformant arrays, [in, out] values, the
// plain-RPC client and table), and the [local] security interfaces exist with their Windows IIDs.
#include <gtest/gtest.h>

#include <cstring>

#include "activation.h"
#include "comsecurity.h"
#include "oxidresolver.h"
#include "remunkn.h"

namespace {

using guise::Result;

constexpr IPID kIpid = {0xaaaaaaaa, 0xbbbb, 0xcccc, {0xdd, 0xdd, 1, 2, 3, 4, 5, 6}};

class RemUnknownServer final : public IRemUnknown2 {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 1; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE RemQueryInterface(REFIPID ripid, ULONG cRefs, USHORT cIids, IID* iids,
                                              REMQIRESULT** results) override {
    seen_ipid = ripid;
    *results = static_cast<REMQIRESULT*>(CoTaskMemAlloc(sizeof(REMQIRESULT) * cIids));
    for (USHORT i = 0; i < cIids; ++i) {
      REMQIRESULT& r = (*results)[i];
      r = {};
      r.hResult = iids[i] == IID_IUnknown ? S_OK : E_NOINTERFACE;
      r.std.cPublicRefs = cRefs;
      r.std.oxid = 0x1111;
      r.std.oid = 0x2222 + i;
      r.std.ipid = ripid;
    }
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE RemAddRef(USHORT n, REMINTERFACEREF* refs, HRESULT* results) override {
    for (USHORT i = 0; i < n; ++i) results[i] = refs[i].cPublicRefs > 0 ? S_OK : E_INVALIDARG;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE RemRelease(USHORT n, REMINTERFACEREF*) override {
    released += n;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE RemQueryInterface2(REFIPID, USHORT cIids, IID*, HRESULT* phr,
                                               MInterfacePointer** ppMIF) override {
    for (USHORT i = 0; i < cIids; ++i) {
      phr[i] = i == 0 ? S_OK : E_NOINTERFACE;
      if (i == 0) {
        auto* mip = static_cast<MInterfacePointer*>(CoTaskMemAlloc(sizeof(MInterfacePointer) + 8));
        mip->ulCntData = 4;
        std::memcpy(&mip->abData[0], "MEOW", 4);
        ppMIF[i] = mip;
      }
    }
    return S_OK;
  }
  IPID seen_ipid{};
  int released = 0;
};

class Loopback final : public guise::ndr::ProxyChannel {
 public:
  explicit Loopback(IUnknown* object) : object_(object) {}
  Result<std::vector<std::byte>> invoke(const IID& iid, std::uint16_t opnum, std::span<const std::byte> in) override {
    opnums.push_back(opnum);
    guise::ndr::Writer out;
    guise::ndr::CallContext ctx;
    GUISE_RETURN_IF_ERROR(guise::ndr::ProxyStubRegistry::instance().find(iid)->invoke_stub(object_, opnum, in, out, ctx));
    return out.take();
  }
  std::vector<std::uint16_t> opnums;

 private:
  IUnknown* object_;
};

class SystemIdl : public ::testing::Test {
 protected:
  void SetUp() override {
    remunkn_register_proxy_stubs();
    proxy_ = guise::ndr::ProxyStubRegistry::instance().find(IID_IRemUnknown2)->create_proxy(&server_, channel_);
    rem = static_cast<IRemUnknown2*>(proxy_.get());
  }
  RemUnknownServer server_;
  Loopback channel_{static_cast<IRemUnknown2*>(&server_)};
  guise::ndr::ProxyPtr proxy_;
  IRemUnknown2* rem = nullptr;
};

TEST_F(SystemIdl, RemQueryInterfaceReturnsAnArrayOfResultsAtOpnumThree) {
  IID iids[] = {IID_IUnknown, IID_IRemUnknown};
  REMQIRESULT* results = nullptr;
  ASSERT_EQ(rem->RemQueryInterface(kIpid, 5, 2, iids, &results), S_OK);
  ASSERT_NE(results, nullptr);
  EXPECT_EQ(results[0].hResult, S_OK);
  EXPECT_EQ(results[1].hResult, E_NOINTERFACE);
  EXPECT_EQ(results[1].std.oid, 0x2223u);
  EXPECT_EQ(results[1].std.cPublicRefs, 5u);
  EXPECT_EQ(results[0].std.ipid, kIpid);
  EXPECT_EQ(server_.seen_ipid, kIpid);
  CoTaskMemFree(results);
  EXPECT_EQ(channel_.opnums, (std::vector<std::uint16_t>{3}));
}

TEST_F(SystemIdl, RemAddRefAndRemReleaseAreOpnumsFourAndFive) {
  REMINTERFACEREF refs[2] = {{kIpid, 1, 0}, {kIpid, 0, 0}};
  HRESULT results[2] = {};
  ASSERT_EQ(rem->RemAddRef(2, refs, results), S_OK);
  EXPECT_EQ(results[0], S_OK);
  EXPECT_EQ(results[1], E_INVALIDARG);
  ASSERT_EQ(rem->RemRelease(2, refs), S_OK);
  EXPECT_EQ(server_.released, 2);
  EXPECT_EQ(channel_.opnums, (std::vector<std::uint16_t>{4, 5}));
}

TEST_F(SystemIdl, RemQueryInterface2ReturnsMInterfacePointersAndNulls) {
  IID iids[] = {IID_IUnknown, IID_IRemUnknown};
  HRESULT hr[2] = {};
  MInterfacePointer* mifs[2] = {};
  ASSERT_EQ(rem->RemQueryInterface2(kIpid, 2, iids, hr, mifs), S_OK);
  EXPECT_EQ(hr[1], E_NOINTERFACE);
  ASSERT_NE(mifs[0], nullptr);
  EXPECT_EQ(mifs[0]->ulCntData, 4u);
  EXPECT_EQ(std::memcmp(&mifs[0]->abData[0], "MEOW", 4), 0);
  EXPECT_EQ(mifs[1], nullptr);
  CoTaskMemFree(mifs[0]);
  EXPECT_EQ(channel_.opnums, (std::vector<std::uint16_t>{6}));
}

class Resolver final : public IObjectExporter_Server {
 public:
  error_status_t ResolveOxid(handle_t, OXID*, USHORT, USHORT*, DUALSTRINGARRAY**, IPID*, DWORD*) override { return 1; }
  error_status_t SimplePing(handle_t, SETID* set) override { return *set == 7 ? 0 : 2; }
  error_status_t ComplexPing(handle_t, SETID* set, USHORT seq, USHORT add, USHORT del, OID* added, OID* deleted,
                             USHORT* backoff) override {
    if (*set == 0) *set = 99;
    sum = seq;
    for (USHORT i = 0; i < add; ++i) sum += static_cast<long>(added[i]);
    for (USHORT i = 0; i < del; ++i) sum -= static_cast<long>(deleted[i]);
    saw_null_delete = deleted == nullptr;
    *backoff = 2;
    return 0;
  }
  error_status_t ServerAlive(handle_t) override { return 0; }
  error_status_t ResolveOxid2(handle_t, OXID*, USHORT, USHORT*, DUALSTRINGARRAY**, IPID*, DWORD*, COMVERSION*) override {
    return 1;
  }
  error_status_t ServerAlive2(handle_t, COMVERSION* version, DUALSTRINGARRAY** bindings, DWORD* reserved) override {
    *version = COMVERSION{5, 7};
    *bindings = nullptr;
    *reserved = 0;
    return 0;
  }
  long sum = 0;
  bool saw_null_delete = false;
};

TEST(SystemIdlRpc, ObjectExporterThroughClientStubAndDispatchTable) {
  Resolver resolver;
  guise::ndr::CallContext ctx;
  IObjectExporter_Client client([&](std::uint16_t opnum, std::span<const std::byte> in) -> Result<std::vector<std::byte>> {
    guise::ndr::Writer out;
    GUISE_RETURN_IF_ERROR(guise::ndr::dispatch_rpc_call(IObjectExporter_v0_0_s_ifspec, &resolver, opnum, in, out, ctx));
    return out.take();
  });
  SETID set = 0;
  OID add[] = {10, 20};
  USHORT backoff = 0;
  EXPECT_EQ(client.ComplexPing(nullptr, &set, 1, 2, 0, add, nullptr, &backoff), 0u);
  EXPECT_EQ(set, 99u);
  EXPECT_EQ(resolver.sum, 31);
  EXPECT_TRUE(resolver.saw_null_delete);
  EXPECT_EQ(backoff, 2);
  SETID seven = 7;
  EXPECT_EQ(client.SimplePing(nullptr, &seven), 0u);
  EXPECT_EQ(client.ServerAlive(nullptr), 0u);
  COMVERSION version{};
  DUALSTRINGARRAY* bindings = reinterpret_cast<DUALSTRINGARRAY*>(0x1);
  DWORD reserved = 1;
  EXPECT_EQ(client.ServerAlive2(nullptr, &version, &bindings, &reserved), 0u);
  EXPECT_EQ(version.MajorVersion, 5);
  EXPECT_EQ(bindings, nullptr);
  EXPECT_EQ(IObjectExporter_v0_0_s_ifspec.dispatch.size(), 6u);
  EXPECT_EQ(IObjectExporter_v0_0_s_ifspec.uuid.Data1, 0x99fcfec4u);
}

TEST(SystemIdlRpc, RemoteScmActivatorHasCreateInstanceAtOpnumFour) {
  EXPECT_EQ(IRemoteSCMActivator_v0_0_s_ifspec.dispatch.size(), 5u);
  EXPECT_EQ(IID_ISystemActivator, IID_IRemoteSCMActivator);
  EXPECT_EQ(IRemoteSCMActivator_v0_0_s_ifspec.uuid.Data1, 0x000001A0u);
}

TEST(SystemIdlSecurity, SecurityInterfacesHaveTheirWindowsIids) {
  EXPECT_EQ(guise::uuidof<IServerSecurity>(), (IID{0x0000013E, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}));
  EXPECT_EQ(guise::uuidof<IClientSecurity>(), (IID{0x0000013D, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}));
  EXPECT_EQ(guise::uuidof<ICallFactory>(), (IID{0x1C733A30, 0x2A1C, 0x11CE, {0xAD, 0xE5, 0x00, 0xAA, 0x00, 0x44, 0x77, 0x3D}}));
  EXPECT_EQ(guise::uuidof<ISynchronize>(), (IID{0x00000030, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}));
  EXPECT_EQ(guise::uuidof<ICancelMethodCalls>(), (IID{0x00000029, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}));
  EXPECT_EQ(guise::uuidof<IRemUnknown>(), (IID{0x00000131, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}));
  EXPECT_EQ(guise::uuidof<IRemUnknown2>(), (IID{0x00000143, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}));
  // [local] interfaces have no proxy; ISynchronize (not local) has one.
  comsecurity_register_proxy_stubs();
  EXPECT_EQ(guise::ndr::ProxyStubRegistry::instance().find(IID_IServerSecurity), nullptr);
  EXPECT_NE(guise::ndr::ProxyStubRegistry::instance().find(IID_ISynchronize), nullptr);
}

}  // namespace
