#include "integration/com/test_object.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <stdexcept>
#include <thread>

#include "com/call_frame.h"
#include "guise/processthreadsapi.h"

namespace guise::com::testing {
namespace {

std::atomic<long> g_live{0};
std::atomic<long> g_next_id{0};
std::function<void(long)> g_destroy_hook;
std::function<void()> g_block_hook;
std::atomic<long> g_not_implemented_queries{0};

std::mutex g_block_mu;
std::condition_variable g_block_cv;
bool g_unblocked = false;

}  // namespace

void set_destroy_hook(std::function<void(long id)> hook) { g_destroy_hook = std::move(hook); }
long live_test_objects() noexcept { return g_live.load(); }
void set_block_hook(std::function<void()> hook) { g_block_hook = std::move(hook); }
long not_implemented_queries() noexcept { return g_not_implemented_queries.load(); }
void unblock_all() {
  std::lock_guard lock(g_block_mu);
  g_unblocked = true;
  g_block_cv.notify_all();
}

TestObject::TestObject() : id_(g_next_id.fetch_add(1)) { g_live.fetch_add(1); }

TestObject::~TestObject() {
  g_live.fetch_sub(1);
  if (g_destroy_hook) g_destroy_hook(id_);
}

HRESULT TestObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_ITestObject) {
    *ppv = static_cast<ITestObject*>(this);
  } else if (riid == IID_IOther) {
    *ppv = static_cast<IOther*>(this);
  } else {
    if (riid == IID_INotImplemented) g_not_implemented_queries.fetch_add(1);
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  AddRef();
  return S_OK;
}

ULONG TestObject::AddRef() { return refs_.fetch_add(1) + 1; }

ULONG TestObject::Release() {
  const ULONG left = refs_.fetch_sub(1) - 1;
  if (left == 0) delete this;
  return left;
}

HRESULT TestObject::Null() { return S_OK; }

HRESULT TestObject::Add(LONG a, LONG b, LONG* sum) {
  *sum = a + b;
  return S_OK;
}

HRESULT TestObject::Fail(HRESULT hr) { return hr; }

HRESULT TestObject::Throw() { throw std::runtime_error("TestObject::Throw"); }

HRESULT TestObject::WhoCalls(ULONG* caller_pid, ULONG* caller_uid, ULONG* server_pid) {
  *caller_pid = 0;
  *caller_uid = 0xFFFFFFFF;
  *server_pid = static_cast<ULONG>(::getpid());
  const CallFrame* frame = CallFrame::current();
  if (frame == nullptr || frame->server_call() == nullptr) return E_UNEXPECTED;
  const auto& attributes = frame->server_call()->attributes();
  if (attributes.client_pid) *caller_pid = static_cast<ULONG>(*attributes.client_pid);
  if (attributes.caller) *caller_uid = attributes.caller->uid();
  return S_OK;
}

HRESULT TestObject::Block() {
  if (g_block_hook) g_block_hook();
  std::unique_lock lock(g_block_mu);
  g_block_cv.wait(lock, [] { return g_unblocked; });
  return S_OK;
}

HRESULT TestObject::CreateChild(ITestObject** child) {
  *child = new TestObject();
  return S_OK;
}

HRESULT TestObject::ThreadId(ULONG* tid) {
  *tid = GetCurrentThreadId();
  return S_OK;
}

namespace {
std::atomic<long> g_serialized_running{0};
}  // namespace

HRESULT TestObject::Serialized(LONG* at_entry, LONG* at_exit, ULONG* tid) {
  *at_entry = g_serialized_running.fetch_add(1) + 1;
  // Long enough for concurrent callers to overlap if the apartment let them: a bounded busy spin of
  // 200 µs (no sleep, and no yield: on a loaded machine each yield can give the CPU away for a whole
  // time slice, and 100 calls of 200 yields then outlast the test's bound).
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
  while (std::chrono::steady_clock::now() < until) {
  }
  *at_exit = g_serialized_running.load();
  g_serialized_running.fetch_sub(1);
  *tid = GetCurrentThreadId();
  return S_OK;
}

HRESULT TestObject::CallBackTraced(ICallback* cb, LONG value, GUID* cid, LONG* result) {
  const CallFrame* frame = CallFrame::current();
  *cid = frame != nullptr ? frame->causality() : GUID{};
  if (cb == nullptr) return E_POINTER;
  return cb->Notify(value, result);
}

HRESULT TestObject::CallBack(ICallback* cb, LONG value, LONG* result) {
  if (cb == nullptr) return E_POINTER;
  return cb->Notify(value, result);
}

HRESULT TestObject::Hold(ITestObject* object) {
  std::lock_guard lock(mu_);
  held_ = ComPtr<ITestObject>(object);
  return S_OK;
}

HRESULT TestObject::CallHeld(LONG a, LONG b, LONG* sum) {
  ComPtr<ITestObject> held;
  {
    std::lock_guard lock(mu_);
    held = held_;
  }
  if (!held) return E_POINTER;
  return held->Add(a, b, sum);
}

HRESULT TestObject::GetHeld(ITestObject** object) {
  std::lock_guard lock(mu_);
  if (!held_) return E_POINTER;
  return held_.CopyTo(object);
}

HRESULT TestObject::DropHeld() {
  ComPtr<ITestObject> dropped;
  std::lock_guard lock(mu_);
  dropped.Swap(held_);
  return S_OK;
}

HRESULT TestObject::QueryFor(REFIID riid, IUnknown** object) {
  return QueryInterface(riid, reinterpret_cast<void**>(object));
}

HRESULT TestObject::LiveObjects(LONG* count) {
  *count = static_cast<LONG>(g_live.load());
  return S_OK;
}

HRESULT TestObject::CallLevel(ULONG* level) {
  *level = 0;
  const CallFrame* frame = CallFrame::current();
  if (frame == nullptr || frame->server_call() == nullptr) return E_UNEXPECTED;
  *level = static_cast<ULONG>(frame->server_call()->attributes().authn_level);
  return S_OK;
}

HRESULT TestObject::Twice(LONG value, LONG* result) {
  *result = 2 * value;
  return S_OK;
}

namespace {
std::atomic<long> g_factory_locks{0};
}  // namespace

HRESULT TestFactory::CreateInstance(IUnknown* outer, REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (outer != nullptr) return CLASS_E_NOAGGREGATION;
  auto* object = new TestObject();
  const HRESULT hr = object->QueryInterface(riid, ppv);
  object->Release();
  return hr;
}

HRESULT TestFactory::LockServer(BOOL lock) {
  g_factory_locks.fetch_add(lock ? 1 : -1);
  return S_OK;
}

long TestFactory::locks() noexcept { return g_factory_locks.load(); }

HRESULT Callback::Notify(LONG value, LONG* result) {
  {
    std::lock_guard lock(mu_);
    last_thread_ = GetCurrentThreadId();
    const CallFrame* frame = CallFrame::current();
    last_causality_ = frame != nullptr ? frame->causality() : GUID{};
  }
  calls.fetch_add(1);
  *result = value * factor_;
  return S_OK;
}

DWORD Callback::last_thread() const {
  std::lock_guard lock(mu_);
  return last_thread_;
}

GUID Callback::last_causality() const {
  std::lock_guard lock(mu_);
  return last_causality_;
}

}  // namespace guise::com::testing
