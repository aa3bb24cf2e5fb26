// COM task memory and IMallocSpy (objbase.h): what a registered spy sees and can do.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

#include "guise/objbase.h"

namespace {

// Counts what it sees; fails allocations while `fail` is set.
class CountingSpy final : public IMallocSpy {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IMallocSpy) {
      *ppv = static_cast<IMallocSpy*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs; }  // lives on the test's stack

  SIZE_T STDMETHODCALLTYPE PreAlloc(SIZE_T cb) override {
    ++allocs;
    return fail ? 0 : cb;
  }
  void* STDMETHODCALLTYPE PostAlloc(void* actual) override {
    ++post_allocs;
    return actual;
  }
  void* STDMETHODCALLTYPE PreFree(void* request, BOOL spyed) override {
    ++frees;
    spyed_frees += spyed ? 1 : 0;
    return request;
  }
  void STDMETHODCALLTYPE PostFree(BOOL) override {}
  SIZE_T STDMETHODCALLTYPE PreRealloc(void* request, SIZE_T cb, void** new_request, BOOL) override {
    ++reallocs;
    *new_request = request;
    return fail ? 0 : cb;
  }
  void* STDMETHODCALLTYPE PostRealloc(void* actual, BOOL) override { return actual; }
  void* STDMETHODCALLTYPE PreGetSize(void* request, BOOL) override { return request; }
  SIZE_T STDMETHODCALLTYPE PostGetSize(SIZE_T cb, BOOL) override { return cb; }
  void* STDMETHODCALLTYPE PreDidAlloc(void* request, BOOL) override { return request; }
  int STDMETHODCALLTYPE PostDidAlloc(void*, BOOL, int actual) override { return actual; }
  void STDMETHODCALLTYPE PreHeapMinimize() override {}
  void STDMETHODCALLTYPE PostHeapMinimize() override {}

  std::atomic<ULONG> refs{1};
  bool fail = false;
  int allocs = 0, post_allocs = 0, frees = 0, spyed_frees = 0, reallocs = 0;
};

TEST(TaskMemory, ASpyCanFailAllocationsAndSeesEveryOperation) {
  CountingSpy spy;
  ASSERT_EQ(CoRegisterMallocSpy(&spy), S_OK);
  EXPECT_EQ(spy.refs, 2u) << "the registration holds a reference";
  CountingSpy second;
  EXPECT_EQ(CoRegisterMallocSpy(&second), CO_E_OBJISREG);
  EXPECT_EQ(CoRegisterMallocSpy(nullptr), E_INVALIDARG);

  void* block = CoTaskMemAlloc(16);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(spy.allocs, 1);
  EXPECT_EQ(spy.post_allocs, 1);

  spy.fail = true;
  EXPECT_EQ(CoTaskMemAlloc(32), nullptr) << "PreAlloc returning 0 fails the allocation";
  EXPECT_EQ(spy.post_allocs, 1) << "and PostAlloc is not called then";
  std::memset(block, 0x5a, 16);
  EXPECT_EQ(CoTaskMemRealloc(block, 64), nullptr) << "a forced realloc failure";
  EXPECT_EQ(static_cast<unsigned char*>(block)[15], 0x5a) << "leaves the old block the caller's";
  spy.fail = false;

  // A block from before the spy is freed with fSpyed FALSE; one from under it with TRUE.
  ASSERT_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED) << "a block allocated under the spy is outstanding";
  EXPECT_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG) << "already revoked, pending";
  void* unspied = CoTaskMemAlloc(8);
  EXPECT_EQ(spy.allocs, 2) << "a pending revocation shows the spy no new allocation";
  CoTaskMemFree(unspied);
  EXPECT_EQ(spy.frees, 0);
  CoTaskMemFree(block);
  EXPECT_EQ(spy.frees, 1);
  EXPECT_EQ(spy.spyed_frees, 1);
  EXPECT_EQ(spy.refs, 1u) << "released once its last block was freed";
  EXPECT_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);
}

TEST(TaskMemory, RevokingWithNothingOutstandingReleasesAtOnce) {
  void* before = CoTaskMemAlloc(8);
  CountingSpy spy;
  ASSERT_EQ(CoRegisterMallocSpy(&spy), S_OK);
  CoTaskMemFree(before);
  EXPECT_EQ(spy.frees, 1);
  EXPECT_EQ(spy.spyed_frees, 0) << "allocated before the spy";
  EXPECT_EQ(CoRevokeMallocSpy(), S_OK);
  EXPECT_EQ(spy.refs, 1u);
  void* after = CoTaskMemAlloc(8);
  EXPECT_EQ(spy.allocs, 0);
  CoTaskMemFree(after);
}

}  // namespace
