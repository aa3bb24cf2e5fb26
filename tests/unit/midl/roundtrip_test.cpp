// Pushes every construct of roundtrip.idl through a generated proxy, the NDR bytes, and the
// generated stub of a real object, in one process: the proxy's channel hands the request body to
// ProxyStubRegistry's stub and returns the stub's response body. Byte expectations are hand-computed
// from C706 §14 and noted field by field.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "guise/oleauto.h"
#include "roundtrip.h"
#include "unit/midl/async_loopback.h"
#include "unit/ndr/hex.h"

namespace {

using guise::Result;
using guise::Status;
using guise::StatusCode;
using guise::ndr::testing::from_hex;
using guise::ndr::testing::to_hex;

// An in-process InterfaceMarshaler: the "OBJREF" is a key into a table of live objects.
class TableMarshaler : public guise::ndr::InterfaceMarshaler {
 public:
  Result<std::vector<std::byte>> marshal_interface(IUnknown* object, const IID& iid) override {
    object->AddRef();
    const std::uint32_t key = next_++;
    objects_[key] = object;
    std::vector<std::byte> blob(20);
    std::memcpy(blob.data(), &key, 4);
    std::memcpy(blob.data() + 4, &iid, 16);
    return blob;
  }
  Result<IUnknown*> unmarshal_interface(std::span<const std::byte> objref, const IID& iid) override {
    if (objref.size() != 20) return guise::invalid_input("bad blob");
    std::uint32_t key = 0;
    std::memcpy(&key, objref.data(), 4);
    auto it = objects_.find(key);
    if (it == objects_.end()) return guise::invalid_input("unknown key");
    void* out = nullptr;
    if (FAILED(it->second->QueryInterface(iid, &out))) return guise::invalid_input("no such interface");
    return static_cast<IUnknown*>(out);
  }
  ~TableMarshaler() override {
    for (auto& [key, object] : objects_) object->Release();
  }

 private:
  std::uint32_t next_ = 1;
  std::map<std::uint32_t, IUnknown*> objects_;
};

// The server object: deterministic answers the tests can check.
class RoundTripServer final : public IRoundTrip2 {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IRoundTrip || riid == IID_IRoundTrip2) {
      *ppv = static_cast<IRoundTrip2*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs; }

  HRESULT STDMETHODCALLTYPE Add(LONG a, LONG b, LONG* sum) override {
    *sum = a + b;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Primitives(byte b, small s, SHORT sh, USHORT us, LONG l, ULONG ul, hyper h, MIDL_uhyper uh,
                                       float f, double d, boolean flag, WCHAR wc, char c, double* echo_sum) override {
    *echo_sum = b + s + sh + us + l + static_cast<double>(ul) + static_cast<double>(h) + static_cast<double>(uh) + f + d +
                flag + wc + c;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Echo(const WCHAR* text, WCHAR** echoed) override {
    std::u16string s = std::u16string(u"echo:") + text;
    *echoed = static_cast<WCHAR*>(CoTaskMemAlloc((s.size() + 1) * 2));
    std::memcpy(*echoed, s.c_str(), (s.size() + 1) * 2);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE EchoNarrow(const char* text, char** echoed) override {
    std::string s = std::string(text) + "!";
    *echoed = static_cast<char*>(CoTaskMemAlloc(s.size() + 1));
    std::memcpy(*echoed, s.c_str(), s.size() + 1);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Sum(ULONG n, const LONG* values, hyper* total) override {
    *total = 0;
    for (ULONG i = 0; i < n; ++i) *total += values[i];
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Fill(ULONG n, LONG seed, LONG* values) override {
    for (ULONG i = 0; i < n; ++i) values[i] = seed + static_cast<LONG>(i);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Reverse(ULONG n, LONG* values) override {
    for (ULONG i = 0; i < n / 2; ++i) std::swap(values[i], values[n - 1 - i]);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Record(const RT_RECORD* in, RT_RECORD* out) override {
    *out = *in;
    // Deep copies: the stub frees [in] and [out] memory separately.
    auto dup16 = [](const WCHAR* s) -> WCHAR* {
      if (s == nullptr) return nullptr;
      std::size_t n = std::u16string_view(s).size() + 1;
      auto* d = static_cast<WCHAR*>(CoTaskMemAlloc(n * 2));
      std::memcpy(d, s, n * 2);
      return d;
    };
    out->name = dup16(in->name);
    if (in->tag != nullptr) {
      std::size_t n = std::strlen(in->tag) + 1;
      out->tag = static_cast<char*>(CoTaskMemAlloc(n));
      std::memcpy(out->tag, in->tag, n);
    }
    if (in->where != nullptr) {
      out->where = static_cast<RT_POINT*>(CoTaskMemAlloc(sizeof(RT_POINT)));
      *out->where = *in->where;
      out->where->y += 1;
    }
    out->note = in->note == nullptr ? nullptr : SysAllocStringLen(in->note, SysStringLen(in->note));
    out->id = in->id * 2;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Batch(const RT_BATCH* batch, RT_BATCH* copy) override {
    copy->count = batch->count;
    copy->records = static_cast<RT_RECORD*>(CoTaskMemAlloc(sizeof(RT_RECORD) * (batch->count ? batch->count : 1)));
    for (ULONG i = 0; i < batch->count; ++i) {
      HRESULT hr = Record(&batch->records[i], &copy->records[i]);
      if (FAILED(hr)) return hr;
    }
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Bytes(RT_BYTES* in, RT_BYTES** out) override {
    std::size_t n = offsetof(RT_BYTES, data) + in->size + 1;
    *out = static_cast<RT_BYTES*>(CoTaskMemAlloc(std::max(n, sizeof(RT_BYTES))));
    (*out)->size = in->size + 1;
    for (ULONG i = 0; i < in->size; ++i) (&(*out)->data[0])[i] = static_cast<byte>((&in->data[0])[i] ^ 0xFF);
    (&(*out)->data[0])[in->size] = 0x7E;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Varying(RT_VARYING* in, LONG* sum) override {
    *sum = static_cast<LONG>(in->max * 1000);
    for (ULONG i = 0; i < in->used; ++i) *sum += (&in->items[0])[i];
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Value(USHORT which, RT_VALUE* v, RT_TAGGED* t) override {
    if (which == 1) {
      t->kind = 1;
      t->u.s = static_cast<SHORT>(v->as_long);
    } else if (which == 2) {
      t->kind = 2;
      t->u.p = static_cast<RT_POINT*>(CoTaskMemAlloc(sizeof(RT_POINT)));
      t->u.p->x = static_cast<SHORT>(std::u16string_view(v->as_text).size());
      t->u.p->y = 0;
    } else {
      t->kind = 99;
    }
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE List(RT_NODE* head, LONG* total, LONG* length) override {
    *total = 0;
    *length = 0;
    for (RT_NODE* n = head; n != nullptr; n = n->next) {
      *total += n->value;
      ++*length;
    }
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Optional(RT_POINT* p, WCHAR* s, LONG* which) override {
    *which = (p != nullptr ? 1 : 0) | (s != nullptr ? 2 : 0);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Full(RT_POINT* a, RT_POINT* b, LONG* same) override {
    *same = (a != nullptr && a == b) ? 1 : 0;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Guids(REFIID riid, GUID g, GUID* h, boolean* equal) override {
    *equal = riid == g ? 1 : 0;
    h->Data1 += 1;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Strings(BSTR in, BSTR* out) override {
    *out = nullptr;
    if (in != nullptr) {
      const UINT n = SysStringLen(in);
      *out = SysAllocStringLen(nullptr, n * 2);
      std::memcpy(*out, in, n * 2);
      std::memcpy(*out + n, in, n * 2);
    }
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Shapes(RT_SHAPE shape, RT_WIDE wide, RT_SHAPE* next) override {
    *next = static_cast<RT_SHAPE>((shape + 1) % 3);
    return wide == RT_WIDE_B ? S_OK : S_FALSE;
  }
  HRESULT STDMETHODCALLTYPE Objects(IRoundTrip* other, IUnknown** unk) override {
    *unk = other;
    if (other != nullptr) other->AddRef();
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Dynamic(REFIID riid, void** ppv) override { return QueryInterface(riid, ppv); }
  HRESULT STDMETHODCALLTYPE get_Count(LONG* count) override {
    *count = count_;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE put_Count(LONG count) override {
    count_ = count;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Twice(LONG a, LONG* b) override {
    *b = 2 * a;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Upto(LONG last, SHORT* values, LONG* sum) override {
    *sum = 0;
    for (LONG i = 0; i <= last; ++i) *sum += values[i];
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Window(ULONG size, ULONG used, LONG* values, LONG* sum) override {
    *sum = static_cast<LONG>(size * 100);
    for (ULONG i = 0; i < used; ++i) *sum += values[i];
    return S_OK;
  }

  long refs = 1;

 private:
  LONG count_ = 0;
};

// The proxy manager's identity for the proxy under test.
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

// Request → stub → response, in-process; remembers the last bodies.
class LoopbackChannel final : public guise::ndr::ProxyChannel {
 public:
  LoopbackChannel(IUnknown* server, guise::ndr::InterfaceMarshaler* marshaler) : server_(server), marshaler_(marshaler) {}
  Result<std::vector<std::byte>> invoke(const IID& iid, std::uint16_t opnum, std::span<const std::byte> stub_in) override {
    last_request.assign(stub_in.begin(), stub_in.end());
    const auto* entry = guise::ndr::ProxyStubRegistry::instance().find(iid);
    if (entry == nullptr) return guise::not_found("no stub");
    guise::ndr::Writer out;
    guise::ndr::CallContext ctx;
    ctx.interfaces = marshaler_;
    GUISE_RETURN_IF_ERROR(entry->invoke_stub(server_, opnum, stub_in, out, ctx));
    last_response.assign(out.bytes().begin(), out.bytes().end());
    if (tamper) tamper(last_response);
    return last_response;
  }
  guise::ndr::InterfaceMarshaler* interface_marshaler() override { return marshaler_; }

  std::vector<std::byte> last_request;
  std::vector<std::byte> last_response;
  std::function<void(std::vector<std::byte>&)> tamper;

 private:
  IUnknown* server_;
  guise::ndr::InterfaceMarshaler* marshaler_;
};

class RoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    roundtrip_register_proxy_stubs();
    const auto* entry = guise::ndr::ProxyStubRegistry::instance().find(IID_IRoundTrip2);
    ASSERT_NE(entry, nullptr);
    proxy_holder_ = entry->create_proxy(&outer_, channel_);
    proxy = static_cast<IRoundTrip2*>(proxy_holder_.get());
  }

  TableMarshaler marshaler_;
  RoundTripServer server_;
  Outer outer_;
  LoopbackChannel channel_{static_cast<IRoundTrip2*>(&server_), &marshaler_};
  guise::ndr::ProxyPtr proxy_holder_;
  IRoundTrip2* proxy = nullptr;
};

TEST_F(RoundTrip, RegistryKnowsBothInterfacesWithTheirOpnumCounts) {
  const auto* e1 = guise::ndr::ProxyStubRegistry::instance().find(IID_IRoundTrip);
  const auto* e2 = guise::ndr::ProxyStubRegistry::instance().find(IID_IRoundTrip2);
  ASSERT_NE(e1, nullptr);
  ASSERT_NE(e2, nullptr);
  EXPECT_EQ(e1->method_count, 3 + 22);
  EXPECT_EQ(e2->method_count, 3 + 25);
  EXPECT_EQ(e2->base_iid, IID_IRoundTrip);
  EXPECT_STREQ(e2->name, "IRoundTrip2");
}

TEST_F(RoundTrip, AddEncodesTwoLongsAndReturnsSumThenHresult) {
  LONG sum = 0;
  ASSERT_EQ(proxy->Add(2, -5, &sum), S_OK);
  EXPECT_EQ(sum, -3);
  EXPECT_EQ(to_hex(channel_.last_request), "02 00 00 00 fb ff ff ff");
  EXPECT_EQ(to_hex(channel_.last_response), "fd ff ff ff 00 00 00 00");
}

TEST_F(RoundTrip, IUnknownOfTheProxyGoesToTheOuterObject) {
  proxy->AddRef();
  EXPECT_EQ(outer_.refs, 2);
  proxy->Release();
  EXPECT_EQ(outer_.refs, 1);
}

TEST_F(RoundTrip, PrimitivesAreAlignedToTheirSize) {
  double sum = 0;
  ASSERT_EQ(proxy->Primitives(1, -2, 3, 4, 5, 6, 7, 8, 0.5f, 0.25, 1, u'A', 'a', &sum), S_OK);
  EXPECT_DOUBLE_EQ(sum, 1 - 2 + 3 + 4 + 5 + 6 + 7 + 8 + 0.5 + 0.25 + 1 + 65 + 97);
  EXPECT_EQ(to_hex(channel_.last_request),
            "01 fe "                    // byte, small
            "03 00 04 00 00 00 "        // short, unsigned short, pad to 4
            "05 00 00 00 06 00 00 00 "  // long, unsigned long
            "07 00 00 00 00 00 00 00 "  // hyper (already 8-aligned at 16)
            "08 00 00 00 00 00 00 00 "  // unsigned hyper
            "00 00 00 3f 00 00 00 00 "  // float, pad to 8
            "00 00 00 00 00 00 d0 3f "  // double
            "01 00 41 00 61");          // boolean, pad, wchar_t, char
}

TEST_F(RoundTrip, WideAndNarrowStringsRoundTrip) {
  WCHAR* echoed = nullptr;
  ASSERT_EQ(proxy->Echo(u"hi", &echoed), S_OK);
  EXPECT_EQ(std::u16string(echoed), u"echo:hi");
  CoTaskMemFree(echoed);
  // Top-level [ref] string: no referent id, just the conformant varying array with its NUL.
  EXPECT_EQ(to_hex(channel_.last_request), "03 00 00 00 00 00 00 00 03 00 00 00 68 00 69 00 00 00");
  char* narrow = nullptr;
  ASSERT_EQ(proxy->EchoNarrow("abc", &narrow), S_OK);
  EXPECT_STREQ(narrow, "abc!");
  CoTaskMemFree(narrow);
}

TEST_F(RoundTrip, ConformantArraysInOutAndInOut) {
  const LONG values[] = {1, 2, 3, 4};
  hyper total = 0;
  ASSERT_EQ(proxy->Sum(4, values, &total), S_OK);
  EXPECT_EQ(total, 10);
  EXPECT_EQ(to_hex(channel_.last_request), "04 00 00 00 04 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04 00 00 00");
  LONG filled[3] = {};
  ASSERT_EQ(proxy->Fill(3, 10, filled), S_OK);
  EXPECT_EQ(filled[0], 10);
  EXPECT_EQ(filled[2], 12);
  LONG rev[3] = {1, 2, 3};
  ASSERT_EQ(proxy->Reverse(3, rev), S_OK);
  EXPECT_EQ(rev[0], 3);
  EXPECT_EQ(rev[2], 1);
}

RT_RECORD make_record(WCHAR* name, char* tag, RT_POINT* where, BSTR note) {
  RT_RECORD r{};
  r.name = name;
  r.tag = tag;
  r.id = 21;
  r.score = 2.5;
  r.ratio = 0.5f;
  r.key = IID_IRoundTrip;
  r.shape = RT_SQUARE;
  r.wide = RT_WIDE_B;
  r.flag = 1;
  r.fixed[0] = 7;
  r.fixed[1] = 8;
  r.fixed[2] = 9;
  r.where = where;
  r.note = note;
  return r;
}

TEST_F(RoundTrip, StructureWithEmbeddedPointersRoundTripsAndOutMemoryIsFreeable) {
  WCHAR name[] = u"n";
  char tag[] = "t";
  RT_POINT where{3, 4};
  BSTR note = SysAllocString(u"memo");
  RT_RECORD in = make_record(name, tag, &where, note);
  RT_RECORD out{};
  ASSERT_EQ(proxy->Record(&in, &out), S_OK);
  EXPECT_EQ(std::u16string(out.name), u"n");
  EXPECT_STREQ(out.tag, "t");
  EXPECT_EQ(out.id, 42);
  EXPECT_EQ(out.score, 2.5);
  EXPECT_EQ(out.ratio, 0.5f);
  EXPECT_EQ(out.key, IID_IRoundTrip);
  EXPECT_EQ(out.shape, RT_SQUARE);
  EXPECT_EQ(out.wide, RT_WIDE_B);
  EXPECT_EQ(out.fixed[2], 9);
  ASSERT_NE(out.where, nullptr);
  EXPECT_EQ(out.where->x, 3);
  EXPECT_EQ(out.where->y, 5);
  ASSERT_NE(out.note, nullptr);
  EXPECT_EQ(std::u16string(out.note, SysStringLen(out.note)), u"memo");
  guise::ndr::Freer f;
  guise::ndr::generated::ndr_free(out, f);
  SysFreeString(note);
}

TEST_F(RoundTrip, ArrayOfStructuresDefersEveryElementsReferentsAfterAllElements) {
  WCHAR n1[] = u"a";
  WCHAR n2[] = u"b";
  char t[] = "x";
  RT_RECORD records[2] = {make_record(n1, t, nullptr, nullptr), make_record(n2, t, nullptr, nullptr)};
  RT_BATCH batch{2, records};
  RT_BATCH copy{};
  ASSERT_EQ(proxy->Batch(&batch, &copy), S_OK);
  ASSERT_EQ(copy.count, 2u);
  EXPECT_EQ(std::u16string(copy.records[1].name), u"b");
  EXPECT_EQ(copy.records[1].id, 42);
  guise::ndr::Freer f;
  guise::ndr::generated::ndr_free(copy, f);
  // The request: count, referent id of records, then max_count 2 and both flat records before the
  // first record's strings (C706 §14.3.12.3).
  const std::string hex = to_hex(channel_.last_request);
  EXPECT_EQ(hex.substr(0, 3 * 12 - 1), "02 00 00 00 00 00 02 00 02 00 00 00");
}

TEST_F(RoundTrip, ConformantStructureHoistsItsConformance) {
  alignas(RT_BYTES) unsigned char storage[sizeof(RT_BYTES) + 8] = {};
  auto* in = reinterpret_cast<RT_BYTES*>(storage);
  in->size = 3;
  (&in->data[0])[0] = 1;
  (&in->data[0])[1] = 2;
  (&in->data[0])[2] = 3;
  RT_BYTES* out = nullptr;
  ASSERT_EQ(proxy->Bytes(in, &out), S_OK);
  // max_count first, then the member, then the bytes.
  EXPECT_EQ(to_hex(channel_.last_request), "03 00 00 00 03 00 00 00 01 02 03");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->size, 4u);
  EXPECT_EQ((&out->data[0])[0], 0xFE);
  EXPECT_EQ((&out->data[0])[3], 0x7E);
  CoTaskMemFree(out);
}

TEST_F(RoundTrip, ConformantVaryingStructureSendsOnlyTheUsedElements) {
  alignas(RT_VARYING) unsigned char storage[sizeof(RT_VARYING) + 16] = {};
  auto* in = reinterpret_cast<RT_VARYING*>(storage);
  in->max = 5;
  in->used = 2;
  (&in->items[0])[0] = 10;
  (&in->items[0])[1] = 20;
  LONG sum = 0;
  ASSERT_EQ(proxy->Varying(in, &sum), S_OK);
  EXPECT_EQ(sum, 5030);
  // max_count 5 | max | used | offset 0 | actual 2 | two shorts
  EXPECT_EQ(to_hex(channel_.last_request), "05 00 00 00 05 00 00 00 02 00 00 00 00 00 00 00 02 00 00 00 0a 00 14 00");
}

TEST_F(RoundTrip, NonEncapsulatedAndEncapsulatedUnions) {
  RT_VALUE v{};
  v.as_long = 77;
  RT_TAGGED t{};
  ASSERT_EQ(proxy->Value(1, &v, &t), S_OK);
  EXPECT_EQ(t.kind, 1);
  EXPECT_EQ(t.u.s, 77);
  // which (u16), then the union: discriminant u16 aligned to 4 (the union's largest arm is 8...
  // here the arm is a long) then the arm.
  EXPECT_EQ(to_hex(channel_.last_request).substr(0, 5), "01 00");
  WCHAR text[] = u"four";
  v.as_text = text;
  ASSERT_EQ(proxy->Value(2, &v, &t), S_OK);
  ASSERT_EQ(t.kind, 2);
  ASSERT_NE(t.u.p, nullptr);
  EXPECT_EQ(t.u.p->x, 4);
  CoTaskMemFree(t.u.p);
  ASSERT_EQ(proxy->Value(9, &v, &t), S_OK);  // default arm: empty
  EXPECT_EQ(t.kind, 99);
}

TEST_F(RoundTrip, LinkedListOfUniquePointers) {
  RT_NODE c{3, nullptr};
  RT_NODE b{2, &c};
  RT_NODE a{1, &b};
  LONG total = 0, length = 0;
  ASSERT_EQ(proxy->List(&a, &total, &length), S_OK);
  EXPECT_EQ(total, 6);
  EXPECT_EQ(length, 3);
  ASSERT_EQ(proxy->List(nullptr, &total, &length), S_OK);
  EXPECT_EQ(length, 0);
}

TEST_F(RoundTrip, UniqueTopLevelPointersMayBeNull) {
  LONG which = -1;
  ASSERT_EQ(proxy->Optional(nullptr, nullptr, &which), S_OK);
  EXPECT_EQ(which, 0);
  EXPECT_EQ(to_hex(channel_.last_request), "00 00 00 00 00 00 00 00");
  RT_POINT p{1, 2};
  WCHAR s[] = u"s";
  ASSERT_EQ(proxy->Optional(&p, s, &which), S_OK);
  EXPECT_EQ(which, 3);
}

TEST_F(RoundTrip, FullPointersToTheSameObjectArriveAsOnePointer) {
  RT_POINT p{1, 2};
  RT_POINT q{1, 2};
  LONG same = -1;
  ASSERT_EQ(proxy->Full(&p, &p, &same), S_OK);
  EXPECT_EQ(same, 1);
  // Second pointer repeats the first id and sends no referent.
  EXPECT_EQ(to_hex(channel_.last_request),
            "00 00 02 00 00 00 00 00 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 00 00 02 00");
  ASSERT_EQ(proxy->Full(&p, &q, &same), S_OK);
  EXPECT_EQ(same, 0);
}

TEST_F(RoundTrip, GuidsAndReferenceIids) {
  GUID h = IID_IRoundTrip;
  boolean equal = 0;
  ASSERT_EQ(proxy->Guids(IID_IRoundTrip2, IID_IRoundTrip2, &h, &equal), S_OK);
  EXPECT_EQ(equal, 1);
  EXPECT_EQ(h.Data1, IID_IRoundTrip.Data1 + 1);
}

TEST_F(RoundTrip, BstrTravelsAsFlaggedWordBlob) {
  BSTR in = SysAllocString(u"ab");
  BSTR out = nullptr;
  ASSERT_EQ(proxy->Strings(in, &out), S_OK);
  EXPECT_EQ(std::u16string(out, SysStringLen(out)), u"abab");
  EXPECT_EQ(to_hex(channel_.last_request), "00 00 02 00 02 00 00 00 04 00 00 00 02 00 00 00 61 00 62 00");
  SysFreeString(out);
  SysFreeString(in);
  ASSERT_EQ(proxy->Strings(nullptr, &out), S_OK);
  EXPECT_EQ(out, nullptr);
}

TEST_F(RoundTrip, EnumsAreSixteenBitsUnlessV1Enum) {
  RT_SHAPE next = RT_CIRCLE;
  ASSERT_EQ(proxy->Shapes(RT_TRIANGLE, RT_WIDE_B, &next), S_OK);
  EXPECT_EQ(next, RT_CIRCLE);
  EXPECT_EQ(to_hex(channel_.last_request), "02 00 00 00 00 00 01 00");
}

TEST_F(RoundTrip, InterfacePointersGoThroughTheInterfaceMarshaler) {
  IUnknown* unk = nullptr;
  ASSERT_EQ(proxy->Objects(static_cast<IRoundTrip*>(&server_), &unk), S_OK);
  ASSERT_NE(unk, nullptr);
  EXPECT_EQ(unk, static_cast<IUnknown*>(static_cast<IRoundTrip2*>(&server_)));
  unk->Release();
  void* dyn = nullptr;
  ASSERT_EQ(proxy->Dynamic(IID_IRoundTrip2, &dyn), S_OK);
  ASSERT_NE(dyn, nullptr);
  static_cast<IUnknown*>(dyn)->Release();
}

TEST_F(RoundTrip, PropertiesUseGetAndPutNames) {
  ASSERT_EQ(proxy->put_Count(12), S_OK);
  LONG count = 0;
  ASSERT_EQ(proxy->get_Count(&count), S_OK);
  EXPECT_EQ(count, 12);
}

TEST_F(RoundTrip, DerivedInterfaceProxyCallsBaseAndOwnMethods) {
  LONG b = 0;
  ASSERT_EQ(proxy->Twice(21, &b), S_OK);
  EXPECT_EQ(b, 42);
  LONG sum = 0;
  ASSERT_EQ(proxy->Add(1, 1, &sum), S_OK);
  EXPECT_EQ(sum, 2);
}

TEST_F(RoundTrip, MaxIsSendsLastPlusOneElements) {
  SHORT values[] = {1, 2, 3};
  LONG sum = 0;
  ASSERT_EQ(proxy->Upto(2, values, &sum), S_OK);
  EXPECT_EQ(sum, 6);
  // last | max_count 3 | three shorts
  EXPECT_EQ(to_hex(channel_.last_request), "02 00 00 00 03 00 00 00 01 00 02 00 03 00");
}

TEST_F(RoundTrip, ConformantVaryingArrayBehindAPointerSendsOnlyLengthIsElements) {
  LONG values[] = {5, 6, 7, 8};
  LONG sum = 0;
  ASSERT_EQ(proxy->Window(4, 2, values, &sum), S_OK);
  EXPECT_EQ(sum, 411);
  // size | used | max_count 4 | offset 0 | actual 2 | two longs
  EXPECT_EQ(to_hex(channel_.last_request),
            "04 00 00 00 02 00 00 00 04 00 00 00 00 00 00 00 02 00 00 00 05 00 00 00 06 00 00 00");
}

TEST_F(RoundTrip, NullRefPointerIsRefusedBeforeSending) {
  EXPECT_EQ(proxy->Add(1, 2, nullptr), static_cast<HRESULT>(0x800706F4u));
}

TEST_F(RoundTrip, TruncatedResponseIsBadStubDataAndOutParametersAreCleared) {
  channel_.tamper = [](std::vector<std::byte>& r) { r.resize(r.size() - 1); };
  WCHAR* echoed = reinterpret_cast<WCHAR*>(0x1);
  EXPECT_EQ(proxy->Echo(u"x", &echoed), guise::ndr::kHresultBadStubData);
  EXPECT_EQ(echoed, nullptr);
}

TEST_F(RoundTrip, TrailingBytesInResponseAreRejected) {
  channel_.tamper = [](std::vector<std::byte>& r) { r.push_back(std::byte{0}); };
  LONG sum = 0;
  EXPECT_EQ(proxy->Add(1, 2, &sum), guise::ndr::kHresultBadStubData);
}

// ---- the stub against hostile request bodies -------------------------------------------------

guise::Status call_stub(RoundTripServer& server, std::uint16_t opnum, const std::vector<std::byte>& body,
                        guise::ndr::Writer& out) {
  const auto* entry = guise::ndr::ProxyStubRegistry::instance().find(IID_IRoundTrip2);
  guise::ndr::CallContext ctx;
  return entry->invoke_stub(static_cast<IRoundTrip2*>(&server), opnum, body, out, ctx);
}

TEST(RoundTripStub, HugeConformanceIsRefusedBeforeAllocating) {
  roundtrip_register_proxy_stubs();
  RoundTripServer server;
  guise::ndr::Writer out;
  // Sum(n = 0x40000000, values: max_count 0x40000000, no elements)
  Status s = call_stub(server, 7, from_hex("00 00 00 40 00 00 00 40"), out);
  EXPECT_EQ(s.hresult(), guise::ndr::kHresultBadStubData);
  EXPECT_NE(s.message().find("CountTooLarge"), std::string::npos) << s.message();
}

TEST(RoundTripStub, ConformanceDisagreeingWithSizeIsIsRefused) {
  roundtrip_register_proxy_stubs();
  RoundTripServer server;
  guise::ndr::Writer out;
  // Sum(n = 2, values: max_count 1, one element)
  Status s = call_stub(server, 7, from_hex("02 00 00 00 01 00 00 00 05 00 00 00"), out);
  EXPECT_NE(s.message().find("ConformanceMismatch"), std::string::npos) << s.message();
}

TEST(RoundTripStub, UnionDiscriminantDisagreeingWithSwitchIsIsRefused) {
  roundtrip_register_proxy_stubs();
  RoundTripServer server;
  guise::ndr::Writer out;
  // Value(which = 1, v: referent-less [ref] union with discriminant 3)
  // which, pad to 8 (the union's alignment: its hyper arm), discriminant 3, pad, arm.
  Status s = call_stub(server, 14, from_hex("01 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"), out);
  EXPECT_NE(s.message().find("BadUnionDiscriminant"), std::string::npos) << s.message();
}

TEST(RoundTripStub, DeepListIsRefusedAtTheDepthLimit) {
  roundtrip_register_proxy_stubs();
  RoundTripServer server;
  guise::ndr::Writer out;
  // List(head): 100 nested unique nodes {value, next}.
  std::string hex = "00 00 02 00";
  for (int i = 0; i < 100; ++i) hex += " 01 00 00 00 04 00 02 00";
  hex += " 01 00 00 00 00 00 00 00";
  Status s = call_stub(server, 15, from_hex(hex), out);
  EXPECT_NE(s.message().find("TooDeep"), std::string::npos) << s.message();
}

TEST(RoundTripStub, UnknownOpnumIsRangeError) {
  roundtrip_register_proxy_stubs();
  RoundTripServer server;
  guise::ndr::Writer out;
  Status s = call_stub(server, 200, {}, out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(s.hresult(), static_cast<HRESULT>(0x1C010002u));
}

TEST(RoundTripStub, BigEndianRequestIsConvertedAndTheResponseIsLittleEndian) {
  roundtrip_register_proxy_stubs();
  RoundTripServer server;
  guise::ndr::Writer out;
  const auto* entry = guise::ndr::ProxyStubRegistry::instance().find(IID_IRoundTrip2);
  guise::ndr::CallContext ctx;
  ctx.byte_order = guise::ndr::ByteOrder::kBigEndian;  // the request's drep said big-endian
  // Add(a = 2, b = -5) in big-endian.
  ASSERT_TRUE(entry->invoke_stub(static_cast<IRoundTrip2*>(&server), 3, from_hex("00 00 00 02 ff ff ff fb"), out, ctx).ok());
  EXPECT_EQ(to_hex(out.bytes()), "fd ff ff ff 00 00 00 00");
}

TEST(RoundTripTypes, FixedLayoutStructureDecodesBigEndian) {
  // RT_POINT {short x; hyper y;}: x at 0, pad to 8, y at 8, both big-endian.
  auto bytes = from_hex("00 01 aa aa aa aa aa aa 00 00 00 00 00 00 00 02");
  guise::ndr::Reader r(bytes, guise::ndr::Limits{}, guise::ndr::ByteOrder::kBigEndian);
  RT_POINT p{};
  ASSERT_TRUE(guise::ndr::generated::ndr_get_flat(r, p).ok());
  EXPECT_EQ(p.x, 1);
  EXPECT_EQ(p.y, 2);
  EXPECT_TRUE(r.expect_end().ok());
}

TEST(RoundTripTypes, FixedLayoutStructureTruncatedIsOneCleanError) {
  auto bytes = from_hex("01 00 00 00 00 00 00 00 02 00 00");
  guise::ndr::Reader r(bytes);
  RT_POINT p{};
  EXPECT_FALSE(guise::ndr::generated::ndr_get_flat(r, p).ok());
  EXPECT_EQ(r.error(), guise::ndr::DecodeError::kTruncated);
}

// ---- asynchronous halves (AsyncIRoundTrip) ----------------------------------------------------
// The async proxy's Begin_/Finish_ against IRoundTrip's synchronous stub, compared with what the
// synchronous proxy sent and received for the same call (async_calls_test.cpp drives the server
// halves).

class AsyncRoundTrip : public RoundTrip {
 protected:
  void SetUp() override {
    RoundTrip::SetUp();
    const auto* entry = guise::ndr::ProxyStubRegistry::instance().find_async(IID_AsyncIRoundTrip);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(guise::ndr::ProxyStubRegistry::instance().find_async_for_sync(IID_IRoundTrip), entry);
    EXPECT_EQ(guise::ndr::ProxyStubRegistry::instance().find_async_for_sync(IID_IRoundTrip2), nullptr);
    async_holder_ = entry->create_async_proxy(&outer_, async_channel_);
    async = static_cast<AsyncIRoundTrip*>(async_holder_.get());
  }

  void expect_same_wire(std::uint16_t opnum) {
    EXPECT_EQ(async_channel_.iid, IID_IRoundTrip);
    EXPECT_EQ(async_channel_.begun_opnum, opnum);
    EXPECT_EQ(to_hex(async_channel_.request), to_hex(channel_.last_request));
    EXPECT_EQ(to_hex(async_channel_.response), to_hex(channel_.last_response));
  }

  guise::midl::testing::AsyncLoopback async_channel_{static_cast<IRoundTrip2*>(&server_), &marshaler_};
  guise::ndr::AsyncProxyPtr async_holder_;
  AsyncIRoundTrip* async = nullptr;
};

TEST_F(AsyncRoundTrip, ReferenceIidAndInOutGuidAreTheSyncWire) {
  GUID h = IID_IRoundTrip;
  boolean equal = 0;
  ASSERT_EQ(proxy->Guids(IID_IRoundTrip2, IID_IRoundTrip2, &h, &equal), S_OK);
  GUID sent = IID_IRoundTrip;
  ASSERT_EQ(async->Begin_Guids(IID_IRoundTrip2, IID_IRoundTrip2, &sent), S_OK);
  GUID received{};
  boolean async_equal = 0;
  ASSERT_EQ(async->Finish_Guids(&received, &async_equal), S_OK);
  EXPECT_EQ(sent, IID_IRoundTrip);
  EXPECT_EQ(received, h);
  EXPECT_EQ(async_equal, 1);
  expect_same_wire(18);
}

TEST_F(AsyncRoundTrip, StructureWithEmbeddedPointersAndBstrAreTheSyncWire) {
  WCHAR name[] = u"n";
  char tag[] = "t";
  RT_POINT where{3, 4};
  BSTR note = SysAllocString(u"memo");
  RT_RECORD in = make_record(name, tag, &where, note);
  RT_RECORD out{};
  ASSERT_EQ(proxy->Record(&in, &out), S_OK);
  guise::ndr::Freer f;
  guise::ndr::generated::ndr_free(out, f);
  ASSERT_EQ(async->Begin_Record(&in), S_OK);
  RT_RECORD async_out{};
  ASSERT_EQ(async->Finish_Record(&async_out), S_OK);
  expect_same_wire(10);
  EXPECT_EQ(std::u16string(async_out.name), u"n");
  ASSERT_NE(async_out.where, nullptr);
  EXPECT_EQ(async_out.where->y, 5);
  EXPECT_EQ(std::u16string(async_out.note, SysStringLen(async_out.note)), u"memo");
  guise::ndr::generated::ndr_free(async_out, f);

  BSTR bstr_out = nullptr;
  ASSERT_EQ(proxy->Strings(note, &bstr_out), S_OK);
  SysFreeString(bstr_out);
  ASSERT_EQ(async->Begin_Strings(note), S_OK);
  ASSERT_EQ(async->Finish_Strings(&bstr_out), S_OK);
  EXPECT_EQ(std::u16string(bstr_out, SysStringLen(bstr_out)), u"memomemo");
  SysFreeString(bstr_out);
  expect_same_wire(19);
  SysFreeString(note);
}

TEST_F(AsyncRoundTrip, IidIsOnAnOutPointerUsesTheRiidBeginSent) {
  void* dyn = nullptr;
  ASSERT_EQ(async->Begin_Dynamic(IID_IRoundTrip2), S_OK);
  ASSERT_EQ(async->Finish_Dynamic(&dyn), S_OK);
  ASSERT_NE(dyn, nullptr);
  EXPECT_EQ(dyn, static_cast<void*>(static_cast<IRoundTrip2*>(&server_)));
  static_cast<IUnknown*>(dyn)->Release();
  IUnknown* unk = nullptr;
  ASSERT_EQ(async->Begin_Objects(static_cast<IRoundTrip*>(&server_)), S_OK);
  ASSERT_EQ(async->Finish_Objects(&unk), S_OK);
  EXPECT_EQ(unk, static_cast<IUnknown*>(static_cast<IRoundTrip2*>(&server_)));
  unk->Release();
}

TEST_F(AsyncRoundTrip, ConformantInOutAndOutArraysAreTheSyncWire) {
  LONG values[4] = {1, 2, 3, 4};
  ASSERT_EQ(proxy->Reverse(4, values), S_OK);
  LONG sent[4] = {1, 2, 3, 4};
  LONG received[4] = {};
  ASSERT_EQ(async->Begin_Reverse(4, sent), S_OK);
  ASSERT_EQ(async->Finish_Reverse(received), S_OK);
  EXPECT_EQ(std::vector<LONG>(received, received + 4), (std::vector<LONG>{4, 3, 2, 1}));
  expect_same_wire(9);
  LONG filled[3] = {};
  ASSERT_EQ(proxy->Fill(3, 7, filled), S_OK);
  ASSERT_EQ(async->Begin_Fill(3, 7), S_OK);
  ASSERT_EQ(async->Finish_Fill(received), S_OK);
  EXPECT_EQ(std::vector<LONG>(received, received + 3), (std::vector<LONG>{7, 8, 9}));
  expect_same_wire(8);
}

TEST_F(AsyncRoundTrip, SuccessCodesOtherThanSOkReachFinish) {
  RT_SHAPE next = RT_CIRCLE;
  EXPECT_EQ(async->Begin_Shapes(RT_CIRCLE, RT_WIDE_A), S_OK);
  EXPECT_EQ(async->Finish_Shapes(&next), S_FALSE);
  EXPECT_EQ(next, RT_SQUARE);
}

// ---- decoder vectors: hex files with one commented field per line ----------------------------
// vectors/*.hex: the first two bytes are the opnum (little-endian), the rest the request body for
// IRoundTrip2's stub; "# expect: <DecodeError name>" or "# expect: ok" says what must happen.

TEST(RoundTripStub, EveryDecoderVectorEndsAsExpected) {
  roundtrip_register_proxy_stubs();
  std::size_t count = 0;
  for (const auto& e : std::filesystem::directory_iterator(GUISE_MIDL_VECTORS)) {
    if (e.path().extension() != ".hex") continue;
    SCOPED_TRACE(e.path().filename().string());
    ++count;
    std::ifstream in(e.path());
    std::string line, hex, expect;
    while (std::getline(in, line)) {
      const auto hash = line.find('#');
      if (hash != std::string::npos) {
        const auto tag = line.find("expect:", hash);
        if (tag != std::string::npos) {
          expect = line.substr(tag + 7);
          expect.erase(0, expect.find_first_not_of(' '));
        }
        line.resize(hash);
      }
      hex += line + " ";
    }
    auto bytes = from_hex(hex);
    ASSERT_GE(bytes.size(), 2u);
    ASSERT_FALSE(expect.empty()) << "no '# expect:' line";
    const auto opnum = static_cast<std::uint16_t>(std::to_integer<unsigned>(bytes[0]) | (std::to_integer<unsigned>(bytes[1]) << 8));
    std::vector<std::byte> body(bytes.begin() + 2, bytes.end());
    RoundTripServer server;
    guise::ndr::Writer out;
    Status s = call_stub(server, opnum, body, out);
    if (expect == "ok") {
      EXPECT_TRUE(s.ok()) << s.to_string();
    } else {
      EXPECT_EQ(s.hresult(), guise::ndr::kHresultBadStubData) << s.to_string();
      EXPECT_NE(s.message().find("ndr: " + expect + " at offset"), std::string::npos) << s.message();
    }
  }
  EXPECT_GE(count, 10u);
}

// ---- plain RPC --------------------------------------------------------------------------------

class PlainServer final : public IPlainTrip_Server {
 public:
  error_status_t Ping(handle_t h, LONG x, LONG* y) override {
    seen_handle = h;
    *y = x + 1;
    return 0;
  }
  error_status_t Names(handle_t, ULONG n, USHORT* ids, ULONG* count, RT_POINT** points) override {
    *count = n;
    *points = static_cast<RT_POINT*>(CoTaskMemAlloc(sizeof(RT_POINT) * (n ? n : 1)));
    for (ULONG i = 0; i < n; ++i) (*points)[i] = RT_POINT{static_cast<SHORT>(ids[i]), static_cast<hyper>(i)};
    return 5;
  }
  LONG Max(handle_t, ULONG n, LONG* v) override {
    LONG m = INT32_MIN;
    for (ULONG i = 0; i < n; ++i) m = std::max(m, v[i]);
    return m;
  }
  handle_t seen_handle = nullptr;
};

TEST(PlainRpc, ClientStubCallsDispatchTableThroughRpcCallFn) {
  PlainServer server;
  guise::ndr::CallContext ctx;
  std::vector<std::uint16_t> opnums;
  IPlainTrip_Client client([&](std::uint16_t opnum, std::span<const std::byte> in) -> Result<std::vector<std::byte>> {
    opnums.push_back(opnum);
    guise::ndr::Writer out;
    GUISE_RETURN_IF_ERROR(guise::ndr::dispatch_rpc_call(IPlainTrip_v1_2_s_ifspec, &server, opnum, in, out, ctx));
    return out.take();
  });
  LONG y = 0;
  EXPECT_EQ(client.Ping(nullptr, 41, &y), 0u);
  EXPECT_EQ(y, 42);
  EXPECT_EQ(server.seen_handle, static_cast<handle_t>(&ctx));
  USHORT ids[] = {7, 8, 9};
  ULONG count = 0;
  RT_POINT* points = nullptr;
  EXPECT_EQ(client.Names(nullptr, 3, ids, &count, &points), 5u);
  ASSERT_EQ(count, 3u);
  ASSERT_NE(points, nullptr);
  EXPECT_EQ(points[2].x, 9);
  EXPECT_EQ(points[2].y, 2);
  CoTaskMemFree(points);
  LONG v[] = {3, 9, -1};
  EXPECT_EQ(client.Max(nullptr, 3, v), 9);
  EXPECT_EQ(opnums, (std::vector<std::uint16_t>{0, 1, 2}));
  EXPECT_EQ(IPlainTrip_v1_2_s_ifspec.version_major, 1);
  EXPECT_EQ(IPlainTrip_v1_2_s_ifspec.version_minor, 2);
  EXPECT_EQ(IPlainTrip_v1_2_s_ifspec.dispatch.size(), 3u);
}

TEST(PlainRpc, TransportFailureBecomesTheFaultsWin32Code) {
  IPlainTrip_Client client([](std::uint16_t, std::span<const std::byte>) -> Result<std::vector<std::byte>> {
    return Status(StatusCode::kUnavailable, "connection reset", static_cast<HRESULT>(0x800706BAu));
  });
  LONG y = 0;
  EXPECT_EQ(client.Ping(nullptr, 1, &y), 0x6BAu);  // RPC_S_SERVER_UNAVAILABLE
  EXPECT_EQ(client.last_status().code(), StatusCode::kUnavailable);
}

TEST(PlainRpc, OpnumOutsideTableIsRefused) {
  PlainServer server;
  guise::ndr::CallContext ctx;
  guise::ndr::Writer out;
  Status s = guise::ndr::dispatch_rpc_call(IPlainTrip_v1_2_s_ifspec, &server, 3, {}, out, ctx);
  EXPECT_EQ(s.hresult(), static_cast<HRESULT>(0x1C010002u));
}

}  // namespace
