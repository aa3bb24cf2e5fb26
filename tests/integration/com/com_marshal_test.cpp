// Marshaling inside one process (CoMarshalInterface / CoUnmarshalInterface and the stream helpers):
// the object itself comes back, MSHLFLAGS_NORMAL is consumed by its one unmarshal, table marshals
// last until CoReleaseMarshalData, and the runtime holds no reference longer than it should — seen
// from the object's own destruction.
#include <atomic>
#include <thread>

#include "integration/com/com_fixture.h"
#include "integration/com/test_object.h"

namespace guise::com::testing {
namespace {

using MarshalingInProcess = ComTest;

struct Stream {
  IStream* p = nullptr;
  Stream() { EXPECT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &p), S_OK); }
  ~Stream() {
    if (p != nullptr) p->Release();
  }
  void rewind() {
    LARGE_INTEGER zero{};
    EXPECT_EQ(p->Seek(zero, STREAM_SEEK_SET, nullptr), S_OK);
  }
  ULONGLONG size() {
    STATSTG stat{};
    EXPECT_EQ(p->Stat(&stat, STATFLAG_NONAME), S_OK);
    return stat.cbSize.QuadPart;
  }
};

TEST_F(MarshalingInProcess, ThreadToThreadGivesBackTheObjectItselfAndKeepsNoReference) {
  const long before = live_test_objects();
  auto* object = new TestObject();
  IStream* stream = nullptr;
  ASSERT_EQ(CoMarshalInterThreadInterfaceInStream(IID_ITestObject, static_cast<ITestObject*>(object), &stream), S_OK);
  ITestObject* received = nullptr;
  std::thread([&] {
    CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    EXPECT_EQ(CoGetInterfaceAndReleaseStream(stream, IID_ITestObject, reinterpret_cast<void**>(&received)), S_OK);
    CoUninitialize();
  }).join();
  EXPECT_EQ(received, static_cast<ITestObject*>(object)) << "the MTA gets the object, not a proxy";
  received->Release();
  object->Release();
  EXPECT_EQ(live_test_objects(), before) << "the runtime kept a reference after the one unmarshal";
}

TEST_F(MarshalingInProcess, ANormalMarshalIsConsumedByItsUnmarshal) {
  auto* object = new TestObject();
  Stream s;
  ASSERT_EQ(CoMarshalInterface(s.p, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_INPROC, nullptr,
                               MSHLFLAGS_NORMAL),
            S_OK);
  s.rewind();
  ITestObject* first = nullptr;
  ASSERT_EQ(CoUnmarshalInterface(s.p, IID_ITestObject, reinterpret_cast<void**>(&first)), S_OK);
  first->Release();
  s.rewind();
  ITestObject* second = nullptr;
  EXPECT_EQ(CoUnmarshalInterface(s.p, IID_ITestObject, reinterpret_cast<void**>(&second)), CO_E_OBJNOTCONNECTED)
      << "a normal marshal is good for one unmarshal";
  EXPECT_EQ(second, nullptr);
  object->Release();
}

TEST_F(MarshalingInProcess, ATableStrongMarshalLastsUntilCoReleaseMarshalData) {
  const long before = live_test_objects();
  auto* object = new TestObject();
  const long id = object->id();
  std::atomic<long> destroyed{-1};
  set_destroy_hook([&destroyed](long gone) { destroyed = gone; });
  struct ResetHook {
    ~ResetHook() { set_destroy_hook(nullptr); }
  } reset_hook;
  Stream s;
  ASSERT_EQ(CoMarshalInterface(s.p, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                               MSHLFLAGS_TABLESTRONG),
            S_OK);
  object->Release();  // only the table marshal holds it now
  EXPECT_EQ(live_test_objects(), before + 1);
  for (int i = 0; i < 3; ++i) {
    s.rewind();
    ITestObject* p = nullptr;
    ASSERT_EQ(CoUnmarshalInterface(s.p, IID_ITestObject, reinterpret_cast<void**>(&p)), S_OK) << "unmarshal " << i;
    LONG sum = 0;
    EXPECT_EQ(p->Add(i, 1, &sum), S_OK);
    p->Release();
  }
  EXPECT_EQ(live_test_objects(), before + 1);
  s.rewind();
  ASSERT_EQ(CoReleaseMarshalData(s.p), S_OK);
  EXPECT_EQ(destroyed.load(), id) << "releasing the table marshal released the object";
}

TEST_F(MarshalingInProcess, ReleasingANormalMarshalThatWasNeverUnmarshaledReleasesTheObject) {
  const long before = live_test_objects();
  auto* object = new TestObject();
  Stream s;
  ASSERT_EQ(CoMarshalInterface(s.p, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                               MSHLFLAGS_NORMAL),
            S_OK);
  object->Release();
  EXPECT_EQ(live_test_objects(), before + 1);
  s.rewind();
  ASSERT_EQ(CoReleaseMarshalData(s.p), S_OK);
  EXPECT_EQ(live_test_objects(), before);
}

TEST_F(MarshalingInProcess, CoGetMarshalSizeMaxBoundsWhatCoMarshalInterfaceWrites) {
  auto* object = new TestObject();
  ULONG bound = 0;
  ASSERT_EQ(CoGetMarshalSizeMax(&bound, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                                MSHLFLAGS_NORMAL),
            S_OK);
  Stream s;
  ASSERT_EQ(CoMarshalInterface(s.p, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                               MSHLFLAGS_NORMAL),
            S_OK);
  EXPECT_GE(bound, s.size());
  EXPECT_GT(s.size(), 64u) << "an OBJREF_STANDARD with bindings";
  s.rewind();
  EXPECT_EQ(CoReleaseMarshalData(s.p), S_OK);
  object->Release();
}

TEST_F(MarshalingInProcess, UnmarshalingIidNullGivesTheMarshaledInterface) {
  auto* object = new TestObject();
  Stream s;
  ASSERT_EQ(CoMarshalInterface(s.p, IID_IOther, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                               MSHLFLAGS_NORMAL),
            S_OK);
  s.rewind();
  void* p = nullptr;
  ASSERT_EQ(CoUnmarshalInterface(s.p, IID_NULL, &p), S_OK);
  EXPECT_EQ(p, static_cast<IOther*>(object));
  static_cast<IOther*>(p)->Release();
  object->Release();
}

TEST_F(MarshalingInProcess, AnInterfaceTheObjectLacksOrThatHasNoProxyCannotBeMarshaled) {
  auto* object = new TestObject();
  Stream s;
  EXPECT_EQ(CoMarshalInterface(s.p, IID_INotImplemented, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                               MSHLFLAGS_NORMAL),
            E_NOINTERFACE);
  Stream other;  // a stream implements IStream, for which no proxy/stub exists
  EXPECT_EQ(CoMarshalInterface(s.p, IID_IStream, other.p, MSHCTX_LOCAL, nullptr, MSHLFLAGS_NORMAL), REGDB_E_IIDNOTREG);
  EXPECT_EQ(s.size(), 0u) << "nothing is written when marshaling fails";
  EXPECT_EQ(CoMarshalInterface(s.p, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr, 0x40),
            E_INVALIDARG) << "unknown MSHLFLAGS";
  object->Release();
}

TEST_F(MarshalingInProcess, ADisconnectedObjectsMarshaledDataNoLongerUnmarshals) {
  auto* object = new TestObject();
  Stream s;
  ASSERT_EQ(CoMarshalInterface(s.p, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                               MSHLFLAGS_TABLESTRONG),
            S_OK);
  ASSERT_EQ(CoDisconnectObject(static_cast<ITestObject*>(object), 0), S_OK);
  s.rewind();
  void* p = nullptr;
  EXPECT_EQ(CoUnmarshalInterface(s.p, IID_ITestObject, &p), CO_E_OBJNOTCONNECTED);
  object->Release();
}

TEST_F(MarshalingInProcess, GarbageOrTruncatedDataIsRefused) {
  Stream garbage;
  const char junk[80] = "MEOW but not really an OBJREF, just bytes that look nothing like one at all";
  ASSERT_EQ(garbage.p->Write(junk, sizeof junk, nullptr), S_OK);
  garbage.rewind();
  void* p = nullptr;
  EXPECT_EQ(CoUnmarshalInterface(garbage.p, IID_ITestObject, &p), RPC_E_INVALID_OBJREF);
  Stream empty;
  EXPECT_EQ(CoUnmarshalInterface(empty.p, IID_ITestObject, &p), STG_E_READFAULT);
  EXPECT_EQ(CoReleaseMarshalData(empty.p), STG_E_READFAULT);
}

TEST_F(MarshalingInProcess, EveryCallNeedsAnInitializedThread) {
  auto* object = new TestObject();
  std::thread([&] {
    Stream s;
    EXPECT_EQ(CoMarshalInterface(s.p, IID_ITestObject, static_cast<ITestObject*>(object), MSHCTX_LOCAL, nullptr,
                                 MSHLFLAGS_NORMAL),
              CO_E_NOTINITIALIZED);
    void* p = nullptr;
    EXPECT_EQ(CoUnmarshalInterface(s.p, IID_ITestObject, &p), CO_E_NOTINITIALIZED);
    EXPECT_EQ(CoDisconnectObject(static_cast<ITestObject*>(object), 0), CO_E_NOTINITIALIZED);
    IStream* stream = nullptr;
    EXPECT_EQ(CoMarshalInterThreadInterfaceInStream(IID_ITestObject, static_cast<ITestObject*>(object), &stream),
              CO_E_NOTINITIALIZED);
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_FALSE);
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), RPC_E_CHANGED_MODE);
    CoUninitialize();
    CoUninitialize();
  }).join();
  object->Release();
}

}  // namespace
}  // namespace guise::com::testing
