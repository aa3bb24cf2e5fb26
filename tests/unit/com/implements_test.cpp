// guise/implements.h: RuntimeClass's QueryInterface answers as COM's rules say (identity, E_NOINTERFACE
// with a null *ppv, E_POINTER), the last Release destroys the object even when references race across
// threads, and MakeClassFactory's class object refuses aggregation and reports an object it could not make.
#include "guise/implements.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

// {6f7c0001-2c4e-4f55-9a11-000000000001} and ...02: interfaces of this test only.
DEFINE_GUID(IID_ITestFirst, 0x6f7c0001, 0x2c4e, 0x4f55, 0x9a, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
DEFINE_GUID(IID_ITestSecond, 0x6f7c0001, 0x2c4e, 0x4f55, 0x9a, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02);
DEFINE_GUID(IID_ITestNobody, 0x6f7c0001, 0x2c4e, 0x4f55, 0x9a, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03);

struct ITestFirst : public IUnknown {
  virtual int STDMETHODCALLTYPE First() = 0;
};
struct ITestSecond : public IUnknown {
  virtual int STDMETHODCALLTYPE Second() = 0;
};

}  // namespace

GUISE_DECLARE_INTERFACE_ID(ITestFirst, IID_ITestFirst);
GUISE_DECLARE_INTERFACE_ID(ITestSecond, IID_ITestSecond);

namespace {

using guise::ComPtr;

class Both final : public guise::RuntimeClass<ITestFirst, ITestSecond> {
 public:
  explicit Both(std::atomic<int>* destroyed) : destroyed_(destroyed) {}
  int STDMETHODCALLTYPE First() override { return 1; }
  int STDMETHODCALLTYPE Second() override { return 2; }

 private:
  ~Both() override { destroyed_->fetch_add(1); }
  std::atomic<int>* destroyed_;
};

TEST(RuntimeClass, AnswersEachListedInterfaceAndOneIdentity) {
  std::atomic<int> destroyed{0};
  ComPtr<Both> both = guise::Make<Both>(&destroyed);
  ASSERT_TRUE(both);
  ComPtr<ITestFirst> first;
  ComPtr<ITestSecond> second;
  ASSERT_EQ(both->QueryInterface(IID_PPV_ARGS(first.GetAddressOf())), S_OK);
  ASSERT_EQ(both->QueryInterface(IID_PPV_ARGS(second.GetAddressOf())), S_OK);
  EXPECT_EQ(first->First(), 1);
  EXPECT_EQ(second->Second(), 2);
  // COM's identity rule: IUnknown from any interface is the same pointer.
  ComPtr<IUnknown> from_first, from_second;
  ASSERT_EQ(first->QueryInterface(IID_PPV_ARGS(from_first.GetAddressOf())), S_OK);
  ASSERT_EQ(second->QueryInterface(IID_PPV_ARGS(from_second.GetAddressOf())), S_OK);
  EXPECT_EQ(from_first.Get(), from_second.Get());
  EXPECT_NE(static_cast<void*>(first.Get()), static_cast<void*>(second.Get()));
}

TEST(RuntimeClass, RefusesWhatItDoesNotImplement) {
  std::atomic<int> destroyed{0};
  ComPtr<Both> both = guise::Make<Both>(&destroyed);
  void* out = &destroyed;
  EXPECT_EQ(both->QueryInterface(IID_ITestNobody, &out), E_NOINTERFACE);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(both->QueryInterface(IID_IClassFactory, nullptr), E_POINTER);
}

TEST(RuntimeClass, LastReleaseDestroysOnceWhenReferencesRace) {
  std::atomic<int> destroyed{0};
  {
    ComPtr<Both> both = guise::Make<Both>(&destroyed);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([both] {  // each thread holds its own reference
        for (int i = 0; i < 10'000; ++i) {
          ComPtr<ITestSecond> second;
          if (both->QueryInterface(IID_PPV_ARGS(second.GetAddressOf())) != S_OK) return;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(destroyed.load(), 0);
  }
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(MakeClassFactory, MakesObjectsAndAnswersAsWindowsClassObjects) {
  std::atomic<int> destroyed{0};
  bool fail = false;
  ComPtr<IClassFactory> factory = guise::MakeClassFactory([&]() -> Both* {
    return fail ? nullptr : new (std::nothrow) Both(&destroyed);
  });
  ASSERT_TRUE(factory);
  ComPtr<ITestSecond> second;
  ASSERT_EQ(factory->CreateInstance(nullptr, IID_PPV_ARGS(second.GetAddressOf())), S_OK);
  EXPECT_EQ(second->Second(), 2);
  second = nullptr;
  EXPECT_EQ(destroyed.load(), 1);

  void* out = &destroyed;
  EXPECT_EQ(factory->CreateInstance(nullptr, IID_ITestNobody, &out), E_NOINTERFACE);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(destroyed.load(), 2) << "an object nobody could use is not kept";
  EXPECT_EQ(factory->CreateInstance(factory.Get(), IID_IUnknown, &out), CLASS_E_NOAGGREGATION);
  fail = true;
  EXPECT_EQ(factory->CreateInstance(nullptr, IID_IUnknown, &out), E_OUTOFMEMORY);
  EXPECT_EQ(factory->CreateInstance(nullptr, IID_IUnknown, nullptr), E_POINTER);
  EXPECT_EQ(factory->LockServer(TRUE), S_OK);
  ComPtr<IUnknown> unknown;
  EXPECT_EQ(factory->QueryInterface(IID_PPV_ARGS(unknown.GetAddressOf())), S_OK);
}

}  // namespace
