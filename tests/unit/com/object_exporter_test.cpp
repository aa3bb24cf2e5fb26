// The object exporter's tables and reference counting, driven directly (no sockets): what keeps an
// object exported, what releases it, rundown on a clock the test controls, ping-set ownership and the
// per-peer bounds. An object's release is seen from the object itself (its reference count).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "com/object_exporter.h"
#include "guise/objbase.h"

void guise_com_register_builtin_proxy_stubs();

namespace guise::com {
namespace {

class Factory final : public IClassFactory {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IClassFactory) {
      *ppv = static_cast<IClassFactory*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs; }
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown*, REFIID, void** ppv) override {
    *ppv = nullptr;
    return E_NOTIMPL;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL) override { return S_OK; }
  std::atomic<ULONG> refs{1};  // the test's own reference
};

class ExporterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { guise_com_register_builtin_proxy_stubs(); }
  ObjectExporter exporter_{0xABCDEF, ComLimits{}};
  Factory object_;
  const PeerKey alice_{PeerKey::Kind::kLocalProcess, 100, 41001, {}};
  const PeerKey bob_{PeerKey::Kind::kLocalProcess, 200, 41002, {}};
  // The references the runtime holds on object_ (the test's own is 1).
  ULONG held() const { return object_.refs.load() - 1; }
  StdObjRef export_normal(const PeerKey& peer = PeerKey::self()) {
    auto std = exporter_.export_interface(&object_, IID_IClassFactory, MarshalKind::kNormal, peer);
    EXPECT_TRUE(std.ok()) << std.status().to_string();
    return std.ok() ? *std : StdObjRef{};
  }
};

TEST_F(ExporterTest, OneObjectHasOneOidAndOneIpidPerInterface) {
  const StdObjRef a = export_normal();
  const StdObjRef b = export_normal();
  auto unknown = exporter_.export_interface(&object_, IID_IUnknown, MarshalKind::kNormal, PeerKey::self());
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(a.oid, b.oid);
  EXPECT_EQ(a.ipid, b.ipid);
  EXPECT_EQ(a.oxid, 0xABCDEFu);
  EXPECT_EQ(unknown->oid, a.oid);
  EXPECT_NE(unknown->ipid, a.ipid);
  EXPECT_EQ(a.public_refs, kRefsPerMarshal);
  EXPECT_EQ(exporter_.object_count(), 1u);
  EXPECT_TRUE(exporter_.find(a.ipid).has_value());
}

TEST_F(ExporterTest, ReturningEveryReferenceReleasesTheObject) {
  const StdObjRef a = export_normal();
  EXPECT_GT(held(), 0u);
  EXPECT_EQ(exporter_.release_refs(alice_, {{InterfaceRefs{a.ipid, 2, 0}}}), S_OK);
  EXPECT_GT(held(), 0u) << "3 references are still out";
  EXPECT_EQ(exporter_.release_refs(alice_, {{InterfaceRefs{a.ipid, 3, 0}}}), S_OK);
  EXPECT_EQ(held(), 0u);
  EXPECT_FALSE(exporter_.find(a.ipid).has_value());
  EXPECT_EQ(exporter_.object_count(), 0u);
}

TEST_F(ExporterTest, AReleaseOfMoreThanIsOutstandingIsRefusedWhole) {
  const StdObjRef a = export_normal();
  EXPECT_EQ(exporter_.release_refs(alice_, {{InterfaceRefs{a.ipid, 6, 0}}}), E_INVALIDARG);
  EXPECT_EQ(exporter_.release_refs(alice_, {{InterfaceRefs{a.ipid, 5, 0}}}), S_OK)
      << "the refused release applied nothing";
  EXPECT_EQ(held(), 0u);
}

TEST_F(ExporterTest, PrivateReferencesCanOnlyBeReturnedByTheirOwner) {
  const StdObjRef a = export_normal();
  std::vector<HRESULT> results;
  EXPECT_EQ(exporter_.add_refs(alice_, {{InterfaceRefs{a.ipid, 0, 2}}}, results), S_OK);
  EXPECT_EQ(exporter_.release_refs(bob_, {{InterfaceRefs{a.ipid, 0, 1}}}), E_INVALIDARG);
  EXPECT_EQ(exporter_.release_refs(alice_, {{InterfaceRefs{a.ipid, 5, 0}}}), S_OK);
  EXPECT_GT(held(), 0u) << "alice's private references keep it";
  EXPECT_EQ(exporter_.release_refs(alice_, {{InterfaceRefs{a.ipid, 0, 2}}}), S_OK);
  EXPECT_EQ(held(), 0u);
}

TEST_F(ExporterTest, UnknownIpidsGetAnErrorPerEntryAndTouchNothing) {
  const StdObjRef a = export_normal();
  std::vector<HRESULT> results;
  GUID forged = a.ipid;
  forged.Data1 ^= 1;
  EXPECT_EQ(exporter_.add_refs(alice_, {{InterfaceRefs{forged, 1, 0}, InterfaceRefs{a.ipid, 1, 0}}}, results),
            CO_E_OBJNOTCONNECTED);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0], CO_E_OBJNOTCONNECTED);
  EXPECT_EQ(results[1], S_OK);
  EXPECT_EQ(exporter_.release_refs(alice_, {{InterfaceRefs{a.ipid, 6, 0}}}), S_OK) << "5 + the 1 added";
  EXPECT_EQ(held(), 0u);
}

TEST_F(ExporterTest, AnUnpingedOidIsRunDownAfterTheGracePeriodButATableMarshalStays) {
  const auto rundown = std::chrono::seconds(6);
  const StdObjRef a = export_normal();
  const auto now = ObjectExporter::Clock::now();
  EXPECT_EQ(exporter_.collect_garbage(now + rundown / 2, rundown), 0u);
  EXPECT_GT(held(), 0u);
  EXPECT_EQ(exporter_.collect_garbage(now + rundown * 2, rundown), 1u);
  EXPECT_EQ(held(), 0u) << "nobody pinged it: its references were dropped";
  EXPECT_FALSE(exporter_.find(a.ipid).has_value());

  auto table = exporter_.export_interface(&object_, IID_IClassFactory, MarshalKind::kTableStrong, PeerKey::self());
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->public_refs, 0u) << "a table marshal carries no references";
  const StdObjRef normal = export_normal();
  EXPECT_EQ(exporter_.collect_garbage(ObjectExporter::Clock::now() + rundown * 2, rundown), 0u);
  EXPECT_TRUE(exporter_.find(normal.ipid).has_value()) << "run down, but the table marshal keeps it exported";
  ASSERT_TRUE(exporter_.release_marshal_data(*table).ok());
  EXPECT_EQ(held(), 0u);
}

TEST_F(ExporterTest, APingedOidSurvivesAndIsRunDownOnceItsSetExpires) {
  const auto rundown = std::chrono::seconds(6);
  const StdObjRef a = export_normal(alice_);
  std::uint64_t set = 0;
  ASSERT_EQ(exporter_.complex_ping(alice_, set, {{a.oid}}, {}), 0u);
  const auto start = ObjectExporter::Clock::now();
  EXPECT_EQ(exporter_.collect_garbage(start + rundown / 2, rundown), 0u);
  EXPECT_EQ(exporter_.simple_ping(alice_, set), 0u);
  EXPECT_EQ(exporter_.collect_garbage(start + rundown / 2, rundown), 0u);
  EXPECT_GT(held(), 0u);
  // alice stops pinging: the set expires, then the OID is run down.
  exporter_.collect_garbage(start + rundown * 3, rundown);
  exporter_.collect_garbage(start + rundown * 5, rundown);
  EXPECT_EQ(held(), 0u);
  EXPECT_EQ(exporter_.simple_ping(alice_, set), 1914u) << "OR_INVALID_SET: the set is gone";
}

TEST_F(ExporterTest, PingSetsBelongToThePeerThatMadeThem) {
  const StdObjRef a = export_normal();
  std::uint64_t set = 0;
  ASSERT_EQ(exporter_.complex_ping(alice_, set, {{a.oid}}, {}), 0u);
  EXPECT_EQ(exporter_.simple_ping(bob_, set), 5u);
  EXPECT_EQ(exporter_.complex_ping(bob_, set, {}, {{a.oid}}), 5u) << "bob cannot take alice's OID out of her set";
  EXPECT_EQ(exporter_.complex_ping(alice_, set, {{0x1234}}, {}), 1911u) << "OR_INVALID_OID";
}

TEST_F(ExporterTest, PeersAreBoundedInObjectsAndPingSets) {
  ComLimits limits;
  limits.max_objects_per_peer = 1;
  limits.max_ping_sets_per_peer = 1;
  limits.max_oids_per_ping_set = 1;
  ObjectExporter exporter(1, limits);
  Factory first, second;
  ASSERT_TRUE(exporter.export_interface(&first, IID_IClassFactory, MarshalKind::kNormal, alice_).ok());
  auto refused = exporter.export_interface(&second, IID_IClassFactory, MarshalKind::kNormal, alice_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().hresult(), E_OUTOFMEMORY);
  auto other = exporter.export_interface(&second, IID_IClassFactory, MarshalKind::kNormal, bob_);
  ASSERT_TRUE(other.ok()) << "bob has his own share";
  auto mine = exporter.export_interface(&second, IID_IClassFactory, MarshalKind::kNormal, PeerKey::self());
  ASSERT_TRUE(mine.ok()) << "the process itself is not limited";
  auto first_std = exporter.export_interface(&first, IID_IClassFactory, MarshalKind::kNormal, alice_);
  ASSERT_TRUE(first_std.ok()) << "an object already exported is not a new one";
  std::uint64_t set = 0;
  EXPECT_EQ(exporter.complex_ping(alice_, set, {{first_std->oid}}, {}), 0u);
  std::uint64_t second_set = 0;
  EXPECT_EQ(exporter.complex_ping(alice_, second_set, {}, {}), 8u) << "ERROR_NOT_ENOUGH_MEMORY: one set per peer";
  EXPECT_EQ(exporter.complex_ping(alice_, set, {{other->oid}}, {}), 8u) << "one OID per set";
  exporter.disconnect(&first);
  exporter.disconnect(&second);
}

TEST_F(ExporterTest, DisconnectDropsEverythingAtOnce) {
  const StdObjRef a = export_normal();
  ASSERT_TRUE(exporter_.export_interface(&object_, IID_IClassFactory, MarshalKind::kTableStrong, PeerKey::self()).ok());
  exporter_.disconnect(&object_);
  EXPECT_EQ(held(), 0u);
  EXPECT_FALSE(exporter_.find(a.ipid).has_value());
  EXPECT_EQ(exporter_.unmarshal_local(a, IID_IClassFactory).status().hresult(), CO_E_OBJNOTCONNECTED);
}

TEST_F(ExporterTest, MarshalingAnInterfaceTheObjectLacksFailsAndLeavesNothing) {
  auto missing = exporter_.export_interface(&object_, IID_IStream, MarshalKind::kNormal, PeerKey::self());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().hresult(), REGDB_E_IIDNOTREG) << "no proxy/stub for IStream";
  EXPECT_EQ(exporter_.object_count(), 0u);
  EXPECT_EQ(held(), 0u);
}

}  // namespace
}  // namespace guise::com
