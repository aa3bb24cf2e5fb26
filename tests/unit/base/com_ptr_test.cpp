#include <gtest/gtest.h>

#include <atomic>

#include "guise/com_ptr.h"
#include "guise/objbase.h"

namespace {

// {6A3E2A10-0000-4000-8000-000000000001}
DEFINE_GUID(IID_ICounter, 0x6A3E2A10, 0x0000, 0x4000, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
struct ICounter : IUnknown {
  virtual LONG STDMETHODCALLTYPE Value() = 0;
};
}  // namespace
GUISE_DECLARE_INTERFACE_ID(ICounter, IID_ICounter);

namespace {

class Counter final : public ICounter {
 public:
  explicit Counter(int* destroyed) : destroyed_(destroyed) {}
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_ICounter)) {
      *ppv = static_cast<ICounter*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override {
    ULONG left = --refs_;
    if (left == 0) {
      ++*destroyed_;
      delete this;
    }
    return left;
  }
  LONG STDMETHODCALLTYPE Value() override { return 42; }
  ULONG refs() const { return refs_; }

 private:
  std::atomic<ULONG> refs_{1};
  int* destroyed_;
};

TEST(IUnknownLayout, VtableOrderIsQueryInterfaceAddRefRelease) {
  int destroyed = 0;
  auto* object = new Counter(&destroyed);
  using Slot = void*;
  auto** vtable = *reinterpret_cast<Slot**>(static_cast<IUnknown*>(object));
  EXPECT_NE(vtable[0], nullptr);
  // Slot 2 is Release: calling it through the raw table must destroy the object.
  using ReleaseFn = ULONG (*)(IUnknown*);
  auto release = reinterpret_cast<ReleaseFn>(vtable[2]);
  EXPECT_EQ(release(object), 0u);
  EXPECT_EQ(destroyed, 1);
}

TEST(ComPtr, ReleasesItsReferenceOnScopeExit) {
  int destroyed = 0;
  {
    guise::ComPtr<ICounter> p;
    p.Attach(new Counter(&destroyed));
    guise::ComPtr<ICounter> copy = p;
    EXPECT_EQ(copy->Value(), 42);
  }
  EXPECT_EQ(destroyed, 1);
}

TEST(ComPtr, AsQueriesAndFailsWithNoInterface) {
  int destroyed = 0;
  guise::ComPtr<ICounter> p;
  p.Attach(new Counter(&destroyed));
  guise::ComPtr<IUnknown> unknown;
  EXPECT_EQ(p.As(&unknown), S_OK);
  EXPECT_TRUE(unknown);
  guise::ComPtr<IUnknown> other;
  EXPECT_EQ(p.AsIID(IID_NULL, &other), E_NOINTERFACE);
  EXPECT_FALSE(other);
}

TEST(ComPtr, MovedFromIsNullAndDetachTransfersOwnership) {
  int destroyed = 0;
  guise::ComPtr<ICounter> p;
  p.Attach(new Counter(&destroyed));
  guise::ComPtr<ICounter> q = std::move(p);
  EXPECT_FALSE(p);  // NOLINT(bugprone-use-after-move): the contract under test
  ICounter* raw = q.Detach();
  EXPECT_FALSE(q);
  EXPECT_EQ(destroyed, 0);
  raw->Release();
  EXPECT_EQ(destroyed, 1);
}

TEST(IIDPPVARGS, PassesTheInterfaceIid) {
  int destroyed = 0;
  guise::ComPtr<ICounter> p;
  p.Attach(new Counter(&destroyed));
  ICounter* raw = nullptr;
  ASSERT_EQ(p->QueryInterface(IID_PPV_ARGS(&raw)), S_OK);
  raw->Release();
}

}  // namespace
