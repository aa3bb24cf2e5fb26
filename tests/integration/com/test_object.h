// test_object.h: the objects the COM remoting tests export (tests only).
//
// TestObject implements ITestObject and IOther; Callback implements ICallback. Both count themselves
// (live_test_objects) and report their destruction through an optional hook, so a test can observe
// from another process when the runtime released them.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "comtest.h"
#include "guise/com_ptr.h"
#include "guise/implements.h"

namespace guise::com::testing {

// Called with the object's id when a TestObject is destroyed (set once at startup).
void set_destroy_hook(std::function<void(long id)> hook);
long live_test_objects() noexcept;
// Called when a call enters ITestObject::Block (so a test knows a call is in flight).
void set_block_hook(std::function<void()> hook);
// How many times a TestObject was asked for IID_INotImplemented.
long not_implemented_queries() noexcept;
// Releases every call blocked in ITestObject::Block.
void unblock_all();

class TestObject final : public ITestObject, public IOther {
 public:
  TestObject();
  long id() const noexcept { return id_; }

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;

  HRESULT STDMETHODCALLTYPE Null() override;
  HRESULT STDMETHODCALLTYPE Add(LONG a, LONG b, LONG* sum) override;
  HRESULT STDMETHODCALLTYPE Fail(HRESULT hr) override;
  HRESULT STDMETHODCALLTYPE Throw() override;
  HRESULT STDMETHODCALLTYPE WhoCalls(ULONG* caller_pid, ULONG* caller_uid, ULONG* server_pid) override;
  HRESULT STDMETHODCALLTYPE Block() override;
  HRESULT STDMETHODCALLTYPE CreateChild(ITestObject** child) override;
  HRESULT STDMETHODCALLTYPE CallBack(ICallback* cb, LONG value, LONG* result) override;
  HRESULT STDMETHODCALLTYPE Hold(ITestObject* object) override;
  HRESULT STDMETHODCALLTYPE CallHeld(LONG a, LONG b, LONG* sum) override;
  HRESULT STDMETHODCALLTYPE GetHeld(ITestObject** object) override;
  HRESULT STDMETHODCALLTYPE DropHeld() override;
  HRESULT STDMETHODCALLTYPE QueryFor(REFIID riid, IUnknown** object) override;
  HRESULT STDMETHODCALLTYPE LiveObjects(LONG* count) override;
  HRESULT STDMETHODCALLTYPE CallLevel(ULONG* level) override;
  HRESULT STDMETHODCALLTYPE ThreadId(ULONG* tid) override;
  HRESULT STDMETHODCALLTYPE Serialized(LONG* at_entry, LONG* at_exit, ULONG* tid) override;
  HRESULT STDMETHODCALLTYPE CallBackTraced(ICallback* cb, LONG value, GUID* cid, LONG* result) override;

  HRESULT STDMETHODCALLTYPE Twice(LONG value, LONG* result) override;

 private:
  ~TestObject();
  const long id_;
  std::atomic<ULONG> refs_{1};
  std::mutex mu_;
  ComPtr<ITestObject> held_;
};

// The class of TestObject as the activation tests register it.
// {6A1F0C52-3D4E-4C8A-9B1E-0D2C4E5F6A80}
DEFINE_GUID(CLSID_GuiseTestObject, 0x6A1F0C52, 0x3D4E, 0x4C8A, 0x9B, 0x1E, 0x0D, 0x2C, 0x4E, 0x5F, 0x6A, 0x80);

// Creates TestObjects; counts LockServer.
class TestFactory final : public RuntimeClass<IClassFactory> {
 public:
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** ppv) override;
  HRESULT STDMETHODCALLTYPE LockServer(BOOL lock) override;
  static long locks() noexcept;

 private:
  ~TestFactory() override = default;
};

class Callback final : public RuntimeClass<ICallback> {
 public:
  explicit Callback(LONG factor) : factor_(factor) {}
  HRESULT STDMETHODCALLTYPE Notify(LONG value, LONG* result) override;
  std::atomic<int> calls{0};
  // The thread and causality id of the last Notify.
  DWORD last_thread() const;
  GUID last_causality() const;

 private:
  ~Callback() override = default;
  LONG factor_;
  mutable std::mutex mu_;
  DWORD last_thread_ = 0;  // guarded by mu_
  GUID last_causality_{};  // guarded by mu_
};

}  // namespace guise::com::testing
