// The generated asynchronous halves of async_calls.idl (ndr/async_proxy.h), in one process and
// against the synchronous ones, both ways: the AsyncIFoo proxy's Begin_ bytes go to the synchronous
// stub of a real object and its response comes back through Finish_ (a client calling
// asynchronously, a server processing synchronously), and the synchronous proxy's bytes go to
// invoke_begin/invoke_finish on a hand-written server call object (the other way round). Every
// exchange is compared byte for byte with the synchronous call's, which is what MS-DCOM puts on
// the wire for both.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "async_calls.h"
#include "unit/midl/async_loopback.h"
#include "unit/ndr/hex.h"

namespace {

using guise::Result;
using guise::Status;
using guise::StatusCode;
using guise::midl::testing::AsyncLoopback;
using guise::midl::testing::run_sync_stub;
using guise::ndr::testing::to_hex;

// The synchronous object: deterministic answers.
class SyncServer final : public IAsyncDerived {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IAsyncBase || riid == IID_IAsyncDerived) {
      *ppv = static_cast<IAsyncDerived*>(this);
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }

  HRESULT STDMETHODCALLTYPE Add(LONG a, LONG b, LONG* sum) override {
    *sum = a + b;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Echo(const char* text, char** echoed) override {
    const std::string s = std::string("echo:") + text;
    *echoed = static_cast<char*>(CoTaskMemAlloc(s.size() + 1));
    std::memcpy(*echoed, s.c_str(), s.size() + 1);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Fill(ULONG n, LONG seed, LONG* values) override {
    for (ULONG i = 0; i < n; ++i) values[i] = seed + static_cast<LONG>(i);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Scale(LONG factor, LONG* value, GUID* key) override {
    *value *= factor;
    key->Data1 += static_cast<ULONG>(factor);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Reverse(ULONG n, LONG* values) override {
    for (ULONG i = 0; i < n / 2; ++i) std::swap(values[i], values[n - 1 - i]);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Fail(LONG code, LONG* seen) override {
    *seen = code;
    return static_cast<HRESULT>(code);
  }
};

// The client call object the async proxy's IUnknown goes to.
class Outer final : public IUnknown {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs; }
  long refs = 1;
};

// The synchronous proxy's channel: request → synchronous stub → response; remembers the bodies.
class SyncLoopback final : public guise::ndr::ProxyChannel {
 public:
  explicit SyncLoopback(IUnknown* server) : server_(server) {}
  Result<std::vector<std::byte>> invoke(const IID& iid, std::uint16_t opnum, std::span<const std::byte> stub_in) override {
    request.assign(stub_in.begin(), stub_in.end());
    auto response_or = run_sync_stub(server_, iid, opnum, stub_in);
    if (response_or.ok()) response = *response_or;
    return response_or;
  }
  std::vector<std::byte> request;
  std::vector<std::byte> response;

 private:
  IUnknown* server_;
};

// A server call object (what ICallFactory::CreateCall hands the stub): Begin_ copies what it keeps
// ([in] memory ends with invoke_begin), Finish_ computes through the synchronous object.
class CallObject final : public AsyncIAsyncDerived {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_AsyncIAsyncBase || riid == IID_AsyncIAsyncDerived) {
      *ppv = static_cast<AsyncIAsyncDerived*>(this);
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }

  HRESULT STDMETHODCALLTYPE Begin_Add(LONG a, LONG b) override {
    a_ = a;
    b_ = b;
    return begun();
  }
  HRESULT STDMETHODCALLTYPE Finish_Add(LONG* sum) override { return finished(server_.Add(a_, b_, sum)); }
  HRESULT STDMETHODCALLTYPE Begin_Echo(const char* text) override {
    text_ = text;
    return begun();
  }
  HRESULT STDMETHODCALLTYPE Finish_Echo(char** echoed) override { return finished(server_.Echo(text_.c_str(), echoed)); }
  HRESULT STDMETHODCALLTYPE Begin_Fill(ULONG n, LONG seed) override {
    n_ = n;
    seed_ = seed;
    return begun();
  }
  HRESULT STDMETHODCALLTYPE Finish_Fill(LONG* values) override { return finished(server_.Fill(n_, seed_, values)); }
  HRESULT STDMETHODCALLTYPE Begin_Scale(LONG factor, LONG* value, GUID* key) override {
    factor_ = factor;
    value_ = *value;
    key_ = *key;
    return begun();
  }
  HRESULT STDMETHODCALLTYPE Finish_Scale(LONG* value, GUID* key) override {
    *value = value_;
    *key = key_;
    return finished(server_.Scale(factor_, value, key));
  }
  HRESULT STDMETHODCALLTYPE Begin_Reverse(ULONG n, LONG* values) override {
    values_.assign(values, values + n);
    return begun();
  }
  HRESULT STDMETHODCALLTYPE Finish_Reverse(LONG* values) override {
    std::copy(values_.begin(), values_.end(), values);
    return finished(server_.Reverse(static_cast<ULONG>(values_.size()), values));
  }
  HRESULT STDMETHODCALLTYPE Begin_Fail(LONG code) override {
    code_ = code;
    return begun();
  }
  HRESULT STDMETHODCALLTYPE Finish_Fail(LONG* seen) override { return finished(server_.Fail(code_, seen)); }

  HRESULT begin_result = S_OK;
  int begins = 0;
  int finishes = 0;

 private:
  HRESULT begun() {
    ++begins;
    return begin_result;
  }
  HRESULT finished(HRESULT hr) {
    ++finishes;
    return hr;
  }
  SyncServer server_;
  LONG a_ = 0, b_ = 0, seed_ = 0, factor_ = 0, value_ = 0, code_ = 0;
  ULONG n_ = 0;
  GUID key_{};
  std::string text_;
  std::vector<LONG> values_;
};

// The synchronous proxy's channel to a server that processes asynchronously: invoke_begin then
// invoke_finish on the call object, as the server side runs an incoming call.
class CallObjectChannel final : public guise::ndr::ProxyChannel {
 public:
  explicit CallObjectChannel(CallObject* call) : call_(call) {}
  Result<std::vector<std::byte>> invoke(const IID& iid, std::uint16_t opnum, std::span<const std::byte> stub_in) override {
    const auto* entry = guise::ndr::ProxyStubRegistry::instance().find_async_for_sync(iid);
    if (entry == nullptr) return guise::not_found("no async stub");
    IUnknown* object = static_cast<AsyncIAsyncDerived*>(call_);
    guise::ndr::CallContext ctx;
    HRESULT begun = E_UNEXPECTED;
    GUISE_RETURN_IF_ERROR(entry->invoke_begin(object, opnum, stub_in, ctx, &begun));
    if (FAILED(begun)) return Status(StatusCode::kUnavailable, "Begin_ failed", begun);
    guise::ndr::Writer out;
    GUISE_RETURN_IF_ERROR(entry->invoke_finish(object, opnum, out, ctx));
    response.assign(out.bytes().begin(), out.bytes().end());
    return response;
  }
  std::vector<std::byte> response;

 private:
  CallObject* call_;
};

class AsyncCalls : public ::testing::Test {
 protected:
  void SetUp() override {
    async_calls_register_proxy_stubs();
    auto& registry = guise::ndr::ProxyStubRegistry::instance();
    const auto* sync_entry = registry.find(IID_IAsyncDerived);
    const auto* async_entry = registry.find_async(IID_AsyncIAsyncDerived);
    ASSERT_NE(sync_entry, nullptr);
    ASSERT_NE(async_entry, nullptr);
    sync_holder_ = sync_entry->create_proxy(&outer_, sync_channel_);
    via_call_holder_ = sync_entry->create_proxy(&outer_, call_channel_);
    async_holder_ = async_entry->create_async_proxy(&outer_, async_channel_);
    sync = static_cast<IAsyncDerived*>(sync_holder_.get());
    via_call = static_cast<IAsyncDerived*>(via_call_holder_.get());
    async = static_cast<AsyncIAsyncDerived*>(async_holder_.get());
  }

  // The async exchange sent and received exactly the synchronous call's bodies.
  void expect_same_wire(std::uint16_t opnum) {
    EXPECT_EQ(async_channel_.iid, IID_IAsyncDerived);
    EXPECT_EQ(async_channel_.begun_opnum, opnum);
    EXPECT_EQ(to_hex(async_channel_.request), to_hex(sync_channel_.request));
    EXPECT_EQ(to_hex(async_channel_.response), to_hex(sync_channel_.response));
  }

  SyncServer server_;
  Outer outer_;
  SyncLoopback sync_channel_{static_cast<IAsyncDerived*>(&server_)};
  AsyncLoopback async_channel_{static_cast<IAsyncDerived*>(&server_)};
  CallObject call_;
  CallObjectChannel call_channel_{&call_};
  guise::ndr::ProxyPtr sync_holder_;
  guise::ndr::ProxyPtr via_call_holder_;
  guise::ndr::AsyncProxyPtr async_holder_;
  IAsyncDerived* sync = nullptr;
  IAsyncDerived* via_call = nullptr;
  AsyncIAsyncDerived* async = nullptr;
};

TEST_F(AsyncCalls, RegistryFindsTheEntryByAsyncAndBySyncIid) {
  auto& registry = guise::ndr::ProxyStubRegistry::instance();
  const auto* derived = registry.find_async(IID_AsyncIAsyncDerived);
  const auto* base = registry.find_async(IID_AsyncIAsyncBase);
  ASSERT_NE(derived, nullptr);
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(registry.find_async_for_sync(IID_IAsyncDerived), derived);
  EXPECT_EQ(registry.find_async_for_sync(IID_IAsyncBase), base);
  EXPECT_STREQ(derived->name, "AsyncIAsyncDerived");
  EXPECT_EQ(derived->sync_iid, IID_IAsyncDerived);
  EXPECT_EQ(derived->async_base_iid, IID_AsyncIAsyncBase);
  EXPECT_EQ(base->async_base_iid, IID_IUnknown);
  EXPECT_EQ(derived->sync_method_count, 3 + 4 + 2);
  EXPECT_EQ(base->sync_method_count, 3 + 4);
}

TEST_F(AsyncCalls, IUnknownOfTheAsyncProxyGoesToTheCallObject) {
  const long before = outer_.refs;
  async->AddRef();
  EXPECT_EQ(outer_.refs, before + 1);
  async->Release();
  EXPECT_EQ(outer_.refs, before);
}

TEST_F(AsyncCalls, AsyncProxyInParametersAndRetvalAreTheSyncWire) {
  LONG sum = 0;
  ASSERT_EQ(sync->Add(2, 40, &sum), S_OK);
  LONG async_sum = -1;
  ASSERT_EQ(async->Begin_Add(2, 40), S_OK);
  ASSERT_EQ(async->Finish_Add(&async_sum), S_OK);
  EXPECT_EQ(async_sum, 42);
  // a, b; then *sum and the HRESULT.
  EXPECT_EQ(to_hex(async_channel_.request), "02 00 00 00 28 00 00 00");
  EXPECT_EQ(to_hex(async_channel_.response), "2a 00 00 00 00 00 00 00");
  expect_same_wire(3);
}

TEST_F(AsyncCalls, AsyncProxyStringsAreTheSyncWire) {
  char* echoed = nullptr;
  ASSERT_EQ(sync->Echo("hi", &echoed), S_OK);
  CoTaskMemFree(echoed);
  char* async_echoed = nullptr;
  ASSERT_EQ(async->Begin_Echo("hi"), S_OK);
  ASSERT_EQ(async->Finish_Echo(&async_echoed), S_OK);
  ASSERT_NE(async_echoed, nullptr);
  EXPECT_STREQ(async_echoed, "echo:hi");
  CoTaskMemFree(async_echoed);
  expect_same_wire(4);
}

TEST_F(AsyncCalls, AsyncProxyOutArraySizedByAnInValueFinishDoesNotTake) {
  LONG values[4] = {};
  ASSERT_EQ(sync->Fill(4, 10, values), S_OK);
  LONG async_values[4] = {-1, -1, -1, -1};
  ASSERT_EQ(async->Begin_Fill(4, 10), S_OK);
  ASSERT_EQ(async->Finish_Fill(async_values), S_OK);
  EXPECT_EQ(std::vector<LONG>(async_values, async_values + 4), (std::vector<LONG>{10, 11, 12, 13}));
  expect_same_wire(5);
}

TEST_F(AsyncCalls, AsyncProxyInOutValuesGoToBeginAndResultsToFinish) {
  LONG value = 7;
  GUID key{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}};
  ASSERT_EQ(sync->Scale(3, &value, &key), S_OK);
  EXPECT_EQ(value, 21);
  LONG sent = 7;
  GUID sent_key{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}};
  ASSERT_EQ(async->Begin_Scale(3, &sent, &sent_key), S_OK);
  LONG result = 0;
  GUID result_key{};
  ASSERT_EQ(async->Finish_Scale(&result, &result_key), S_OK);
  EXPECT_EQ(sent, 7);  // Begin_ only reads
  EXPECT_EQ(result, 21);
  EXPECT_EQ(result_key, key);
  expect_same_wire(6);
}

TEST_F(AsyncCalls, AsyncProxyImplementsInheritedPairsWithTheSyncOpnumsAndDerivedIid) {
  // Begin_Add/Finish_Add come from AsyncIAsyncBase: opnum 3 under IAsyncDerived's IID.
  AsyncIAsyncBase* as_base = async;
  LONG sum = 0;
  ASSERT_EQ(as_base->Begin_Add(1, 2), S_OK);
  EXPECT_EQ(async_channel_.iid, IID_IAsyncDerived);
  EXPECT_EQ(async_channel_.begun_opnum, 3);
  ASSERT_EQ(as_base->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 3);
  // The derived interface's own method, a conformant [in, out] array.
  LONG values[3] = {1, 2, 3};
  ASSERT_EQ(sync->Reverse(3, values), S_OK);
  LONG sent[3] = {1, 2, 3};
  LONG received[3] = {};
  ASSERT_EQ(async->Begin_Reverse(3, sent), S_OK);
  ASSERT_EQ(async->Finish_Reverse(received), S_OK);
  EXPECT_EQ(std::vector<LONG>(received, received + 3), (std::vector<LONG>{3, 2, 1}));
  expect_same_wire(7);
}

TEST_F(AsyncCalls, FinishReturnsTheMethodsHresultWithItsOutParameters) {
  const auto denied = static_cast<LONG>(E_ACCESSDENIED);
  LONG seen = 0;
  EXPECT_EQ(sync->Fail(denied, &seen), E_ACCESSDENIED);
  LONG async_seen = 0;
  ASSERT_EQ(async->Begin_Fail(denied), S_OK);
  EXPECT_EQ(async->Finish_Fail(&async_seen), E_ACCESSDENIED);
  EXPECT_EQ(async_seen, denied);
  expect_same_wire(8);
}

TEST_F(AsyncCalls, ChannelFailureIsFinishsResultAndZeroesEveryOutParameter) {
  async_channel_.finish_failure = RPC_E_DISCONNECTED;
  ASSERT_EQ(async->Begin_Echo("x"), S_OK);
  char* echoed = reinterpret_cast<char*>(0x1);
  EXPECT_EQ(async->Finish_Echo(&echoed), RPC_E_DISCONNECTED);
  EXPECT_EQ(echoed, nullptr);

  ASSERT_EQ(async->Begin_Fill(3, 5), S_OK);
  LONG values[3] = {9, 9, 9};
  EXPECT_EQ(async->Finish_Fill(values), RPC_E_DISCONNECTED);
  EXPECT_EQ(std::vector<LONG>(values, values + 3), (std::vector<LONG>{0, 0, 0}));

  LONG seven = 7;
  GUID key{1, 2, 3, {}};
  ASSERT_EQ(async->Begin_Scale(2, &seven, &key), S_OK);
  LONG value = 99;
  GUID out_key{9, 9, 9, {}};
  EXPECT_EQ(async->Finish_Scale(&value, &out_key), RPC_E_DISCONNECTED);
  EXPECT_EQ(value, 0);
  EXPECT_EQ(out_key, GUID{});
}

TEST_F(AsyncCalls, BeginFailureFromTheChannelIsBeginsResult) {
  async_channel_.begin_failure = RPC_S_CALLPENDING;
  EXPECT_EQ(async->Begin_Add(1, 1), RPC_S_CALLPENDING);
  EXPECT_TRUE(async_channel_.request.empty());
}

TEST_F(AsyncCalls, FinishWithoutBeginIsCallComplete) {
  LONG sum = 5;
  EXPECT_EQ(async->Finish_Add(&sum), RPC_E_CALL_COMPLETE);
  EXPECT_EQ(sum, 0);
}

TEST_F(AsyncCalls, SecondFinishSizesNothingByTheFinishedCall) {
  ASSERT_EQ(async->Begin_Fill(3, 1), S_OK);
  LONG values[3] = {};
  ASSERT_EQ(async->Finish_Fill(values), S_OK);
  // The next Finish_ has no Begin_: its buffer may be smaller than the last call's n.
  LONG one[1] = {9};
  EXPECT_EQ(async->Finish_Fill(one), RPC_E_CALL_COMPLETE);
  EXPECT_EQ(one[0], 9);
}

TEST_F(AsyncCalls, TruncatedResponseIsBadStubDataAndOutParametersAreCleared) {
  async_channel_.truncate_response = true;
  ASSERT_EQ(async->Begin_Echo("abc"), S_OK);
  char* echoed = nullptr;
  EXPECT_EQ(async->Finish_Echo(&echoed), guise::ndr::kHresultBadStubData);
  EXPECT_EQ(echoed, nullptr);
}

TEST_F(AsyncCalls, NullRefOutPointerIsRefusedByFinish) {
  ASSERT_EQ(async->Begin_Add(1, 1), S_OK);
  EXPECT_EQ(async->Finish_Add(nullptr), guise::ndr::kHresultNullRefPointer);
}

// The other way round: synchronous proxy → invoke_begin + invoke_finish on the call object, whose
// response must be the synchronous stub's, byte for byte.
TEST_F(AsyncCalls, SyncProxyToCallObjectGivesTheSyncStubsResponse) {
  LONG sum = 0;
  ASSERT_EQ(via_call->Add(20, 22, &sum), S_OK);
  EXPECT_EQ(sum, 42);
  ASSERT_EQ(sync->Add(20, 22, &sum), S_OK);
  EXPECT_EQ(to_hex(call_channel_.response), to_hex(sync_channel_.response));

  char* echoed = nullptr;
  ASSERT_EQ(via_call->Echo("call", &echoed), S_OK);
  EXPECT_STREQ(echoed, "echo:call");
  CoTaskMemFree(echoed);
  ASSERT_EQ(sync->Echo("call", &echoed), S_OK);
  CoTaskMemFree(echoed);
  EXPECT_EQ(to_hex(call_channel_.response), to_hex(sync_channel_.response));

  LONG values[5] = {};
  ASSERT_EQ(via_call->Fill(5, 100, values), S_OK);
  EXPECT_EQ(std::vector<LONG>(values, values + 5), (std::vector<LONG>{100, 101, 102, 103, 104}));
  ASSERT_EQ(sync->Fill(5, 100, values), S_OK);
  EXPECT_EQ(to_hex(call_channel_.response), to_hex(sync_channel_.response));
  EXPECT_EQ(call_.begins, 3);
  EXPECT_EQ(call_.finishes, 3);
}

TEST_F(AsyncCalls, SyncProxyToCallObjectInOutValueReachesBeginAndResultComesFromFinish) {
  LONG value = 6;
  GUID key{10, 0, 0, {}};
  ASSERT_EQ(via_call->Scale(4, &value, &key), S_OK);
  EXPECT_EQ(value, 24);
  EXPECT_EQ(key.Data1, 14u);
  LONG sync_value = 6;
  GUID sync_key{10, 0, 0, {}};
  ASSERT_EQ(sync->Scale(4, &sync_value, &sync_key), S_OK);
  EXPECT_EQ(to_hex(call_channel_.response), to_hex(sync_channel_.response));

  // Inherited and own methods alike: Reverse is IAsyncDerived's, a conformant [in, out] array
  // sized by an [in] value the stub keeps from Begin_ for Finish_.
  LONG values[4] = {1, 2, 3, 4};
  ASSERT_EQ(via_call->Reverse(4, values), S_OK);
  EXPECT_EQ(std::vector<LONG>(values, values + 4), (std::vector<LONG>{4, 3, 2, 1}));
  LONG sync_values[4] = {1, 2, 3, 4};
  ASSERT_EQ(sync->Reverse(4, sync_values), S_OK);
  EXPECT_EQ(to_hex(call_channel_.response), to_hex(sync_channel_.response));
}

TEST_F(AsyncCalls, SyncProxyToCallObjectCarriesFinishsHresult) {
  LONG seen = 0;
  EXPECT_EQ(via_call->Fail(static_cast<LONG>(E_ACCESSDENIED), &seen), E_ACCESSDENIED);
  EXPECT_EQ(seen, static_cast<LONG>(E_ACCESSDENIED));
}

TEST_F(AsyncCalls, BadBodyToInvokeBeginIsInvalidInputAndBeginIsNotCalled) {
  const auto* entry = guise::ndr::ProxyStubRegistry::instance().find_async(IID_AsyncIAsyncDerived);
  ASSERT_NE(entry, nullptr);
  IUnknown* object = static_cast<AsyncIAsyncDerived*>(&call_);
  guise::ndr::CallContext ctx;
  HRESULT begun = E_UNEXPECTED;
  const std::vector<std::byte> short_body(3);  // Add needs two longs
  Status s = entry->invoke_begin(object, 3, short_body, ctx, &begun);
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
  const std::vector<std::byte> long_body(9);  // one byte too many
  s = entry->invoke_begin(object, 3, long_body, ctx, &begun);
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
  // A conformance that does not match the count sent before it.
  const std::vector<std::byte> reverse_body = guise::ndr::testing::from_hex("02 00 00 00 03 00 00 00 01 00 00 00 02 00 00 00");
  s = entry->invoke_begin(object, 7, reverse_body, ctx, &begun);
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(call_.begins, 0);
  EXPECT_EQ(begun, E_UNEXPECTED);
}

TEST_F(AsyncCalls, OpnumOutsideTheInterfaceIsInvalidInput) {
  const auto* entry = guise::ndr::ProxyStubRegistry::instance().find_async(IID_AsyncIAsyncDerived);
  ASSERT_NE(entry, nullptr);
  IUnknown* object = static_cast<AsyncIAsyncDerived*>(&call_);
  guise::ndr::CallContext ctx;
  HRESULT begun = E_UNEXPECTED;
  EXPECT_EQ(entry->invoke_begin(object, 2, {}, ctx, &begun).code(), StatusCode::kInvalidInput);
  EXPECT_EQ(entry->invoke_begin(object, 9, {}, ctx, &begun).code(), StatusCode::kInvalidInput);
  guise::ndr::Writer out;
  EXPECT_EQ(entry->invoke_finish(object, 9, out, ctx).code(), StatusCode::kInvalidInput);
  EXPECT_EQ(call_.begins, 0);
  EXPECT_EQ(call_.finishes, 0);
}

TEST_F(AsyncCalls, FinishStubNeedingBeginsValuesRefusesWithoutASuccessfulBegin) {
  const auto* entry = guise::ndr::ProxyStubRegistry::instance().find_async(IID_AsyncIAsyncDerived);
  ASSERT_NE(entry, nullptr);
  IUnknown* object = static_cast<AsyncIAsyncDerived*>(&call_);
  guise::ndr::CallContext ctx;
  guise::ndr::Writer out;
  Status s = entry->invoke_finish(object, 5, out, ctx);  // Fill: its size comes from Begin_Fill's n
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.hresult(), RPC_E_CALL_COMPLETE);
  // A failed Begin_ keeps nothing either.
  call_.begin_result = E_OUTOFMEMORY;
  HRESULT begun = S_OK;
  const std::vector<std::byte> fill_body = guise::ndr::testing::from_hex("02 00 00 00 07 00 00 00");
  ASSERT_TRUE(entry->invoke_begin(object, 5, fill_body, ctx, &begun).ok());
  EXPECT_EQ(begun, E_OUTOFMEMORY);
  EXPECT_EQ(entry->invoke_finish(object, 5, out, ctx).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(call_.finishes, 0);
}

}  // namespace
