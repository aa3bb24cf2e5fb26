// Objects exported from an STA, driven directly on the exporter (no sockets): each exporting STA is an
// OXID of its own with its own IRemUnknown IPID, its objects' calls are dispatched to it, it leaves
// with its apartment, and an STA object's last release made elsewhere runs on the STA's thread.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "com/apartment.h"
#include "com/modal_wait.h"
#include "com/object_exporter.h"
#include "guise/objbase.h"
#include "guise/processthreadsapi.h"
#include "remunkn.h"

void guise_com_register_builtin_proxy_stubs();

namespace guise::com {
namespace {

// Records the thread of its last Release.
class Recorder final : public IClassFactory {
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
  ULONG STDMETHODCALLTYPE Release() override {
    released_on.store(GetCurrentThreadId());
    return --refs;
  }
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown*, REFIID, void** ppv) override {
    *ppv = nullptr;
    return E_NOTIMPL;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL) override { return S_OK; }
  std::atomic<ULONG> refs{1};  // the test's own reference
  std::atomic<DWORD> released_on{0};
};

class StaExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    guise_com_register_builtin_proxy_stubs();
    remunkn_register_proxy_stubs();
  }
  void SetUp() override {
    ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    exporter_.add_rem_unknown(mta_rem_unknown_, &rem_unknown_, ndr::ProxyStubRegistry::instance().find(IID_IRemUnknown2));
  }
  void TearDown() override { CoUninitialize(); }

  // Runs `body` on a new STA thread, bounded.
  static void on_sta(const std::function<void()>& body) {
    std::promise<void> done;
    std::thread sta([&] {
      EXPECT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), S_OK);
      body();
      CoUninitialize();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
    sta.join();
  }

  ObjectExporter exporter_{0xABCDEF, ComLimits{}};
  Recorder rem_unknown_;
  const Ipid mta_rem_unknown_{0x11111111, 0x2222, 0x3333, {4, 4, 4, 4, 4, 4, 4, 4}};
};

TEST_F(StaExportTest, EachExportingStaIsAnOxidOfItsOwnUntilItCloses) {
  Recorder object;
  StdObjRef sta_ref{};
  std::optional<Ipid> sta_rem_unknown;
  bool current_on_sta = false, dispatched_to_sta = false, owned_while_open = false;
  DWORD sta_tid = 0;
  on_sta([&] {
    sta_tid = GetCurrentThreadId();
    auto std = exporter_.export_interface(&object, IID_IClassFactory, MarshalKind::kNormal, PeerKey::self());
    ASSERT_TRUE(std.ok()) << std.status().to_string();
    sta_ref = *std;
    owned_while_open = exporter_.owns_oxid(sta_ref.oxid);
    current_on_sta = exporter_.is_current_apartment(sta_ref.oxid);
    sta_rem_unknown = exporter_.rem_unknown_of(sta_ref.oxid);
    auto target = exporter_.find(sta_ref.ipid);
    dispatched_to_sta = target && target->sta && target->sta.get() == current_apartment();
    // What the runtime's close hook does once the STA's queue is closed.
    exporter_.apartment_closed(current_apartment()->id());
  });
  EXPECT_NE(sta_ref.oxid, exporter_.oxid()) << "an STA is another OXID than the MTA";
  EXPECT_TRUE(owned_while_open);
  EXPECT_TRUE(current_on_sta);
  EXPECT_FALSE(exporter_.is_current_apartment(sta_ref.oxid)) << "the MTA is not the STA";
  ASSERT_TRUE(sta_rem_unknown);
  EXPECT_NE(*sta_rem_unknown, mta_rem_unknown_) << "each OXID has its own IRemUnknown IPID";
  EXPECT_EQ(exporter_.rem_unknown_of(exporter_.oxid()), mta_rem_unknown_);
  EXPECT_TRUE(dispatched_to_sta) << "the object's calls go to its STA";
  // Closed: the OXID, its IRemUnknown and the object are gone; the object was released on its thread.
  EXPECT_FALSE(exporter_.owns_oxid(sta_ref.oxid));
  EXPECT_FALSE(exporter_.rem_unknown_of(sta_ref.oxid));
  EXPECT_FALSE(exporter_.find(sta_ref.ipid));
  EXPECT_EQ(object.refs.load(), 1u);
  EXPECT_EQ(object.released_on.load(), sta_tid);
}

TEST_F(StaExportTest, AnStaObjectRunDownElsewhereIsReleasedOnItsStaThread) {
  Recorder object;
  DWORD sta_tid = 0;
  ULONG held_before_rundown = 0, held_after_rundown = 0;
  std::size_t ran = 0;
  std::size_t run_down = 0;
  on_sta([&] {
    sta_tid = GetCurrentThreadId();
    ASSERT_TRUE(exporter_.export_interface(&object, IID_IClassFactory, MarshalKind::kNormal, PeerKey::self()).ok());
    held_before_rundown = object.refs.load();
    // The housekeeping thread's rundown, here from another (MTA) thread: nobody pinged the OID.
    std::thread housekeeper([&] {
      ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
      run_down = exporter_.collect_garbage(ObjectExporter::Clock::now() + std::chrono::hours(1), std::chrono::seconds(1));
      CoUninitialize();
    });
    housekeeper.join();
    held_after_rundown = object.refs.load();
    ran = run_posted_work();  // the STA serves its queue: the posted release runs here
    exporter_.apartment_closed(current_apartment()->id());
  });
  EXPECT_EQ(run_down, 1u);
  EXPECT_GT(held_before_rundown, 1u);
  EXPECT_EQ(held_after_rundown, held_before_rundown) << "the release waited for the STA";
  EXPECT_EQ(ran, 1u);
  EXPECT_EQ(object.refs.load(), 1u);
  EXPECT_EQ(object.released_on.load(), sta_tid) << "an STA object's last release runs on its thread";
}

TEST_F(StaExportTest, RemQueryInterfaceRunsOnlyInTheObjectsApartment) {
  Recorder object;
  StdObjRef sta_ref{};
  Status on_sta_thread;
  on_sta([&] {
    auto std = exporter_.export_interface(&object, IID_IClassFactory, MarshalKind::kNormal, PeerKey::self());
    ASSERT_TRUE(std.ok());
    sta_ref = *std;
    std::vector<QueryResult> results;
    const IID iid = IID_IUnknown;
    on_sta_thread = exporter_.query_interface(PeerKey::self(), sta_ref.ipid, 1, std::span(&iid, 1), results);
    // From the MTA (another thread) the same query is refused.
    std::thread mta([&] {
      ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
      std::vector<QueryResult> elsewhere;
      Status st = exporter_.query_interface(PeerKey::self(), sta_ref.ipid, 1, std::span(&iid, 1), elsewhere);
      EXPECT_FALSE(st.ok());
      EXPECT_EQ(st.hresult(), RPC_E_INVALID_IPID);
      CoUninitialize();
    });
    mta.join();
    exporter_.apartment_closed(current_apartment()->id());
  });
  EXPECT_TRUE(on_sta_thread.ok()) << on_sta_thread.to_string();
}

}  // namespace
}  // namespace guise::com
