// Activation without a daemon: guise-com-test-server registers a class with CoRegisterClassObject
// (published in a class directory made for the test through GUISE_COM_CLASS_DIR), and clients reach
// it with CoCreateInstance / CoGetClassObject / CoCreateInstanceEx — across uids, and never through
// an entry that is stale, planted, or whose endpoint another uid has taken over.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/guid_string.h"
#include "base/utf16.h"
#include "com/call_failure.h"
#include "com/objref.h"
#include "com/remote_oxid.h"
#include "integration/com/com_fixture.h"
#include "integration/com/objref_text.h"
#include "integration/com/test_object.h"

namespace guise::com::testing {
namespace {

class ComActivation : public ComTest {
 protected:
  static void SetUpTestSuite() {
    ComTest::SetUpTestSuite();
    char pattern[] = "/tmp/guise-com-classes-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    ASSERT_EQ(::chmod(root_.c_str(), 0755), 0);
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  void SetUp() override {
    ComTest::SetUp();
    // A fresh class directory per test, inherited by every process the test starts.
    directory_ = root_ + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::mkdir(directory_.c_str(), 0755), 0);
    ::setenv("GUISE_COM_CLASS_DIR", directory_.c_str(), 1);
  }
  std::string entry_path() const { return directory_ + "/" + format_guid_braced(CLSID_GuiseTestObject); }

  ServerHandle start_registered(const std::string& mode, const ServerOptions& extra = {}) {
    ServerOptions options = extra;
    options.args = {"--register", mode};
    ServerHandle server = start_server(options);
    EXPECT_EQ(server.registered, "00000000") << "CoRegisterClassObject failed";
    return server;
  }

  static HRESULT create(ComPtr<ITestObject>& out) {
    return CoCreateInstance(CLSID_GuiseTestObject, nullptr, CLSCTX_LOCAL_SERVER, IID_ITestObject,
                            reinterpret_cast<void**>(out.ReleaseAndGetAddressOf()));
  }

  static std::string root_;
  std::string directory_;
};
std::string ComActivation::root_;

TEST_F(ComActivation, CoCreateInstanceReachesTheServerThatRegisteredTheClass) {
  ServerHandle server = start_registered("multiple");
  struct stat st {};
  ASSERT_EQ(::stat(entry_path().c_str(), &st), 0) << "no class directory entry was published";
  ComPtr<ITestObject> object;
  ASSERT_EQ(create(object), S_OK);
  ULONG caller = 0, uid = 0, server_pid = 0;
  ASSERT_EQ(object->WhoCalls(&caller, &uid, &server_pid), S_OK);
  EXPECT_EQ(server_pid, static_cast<ULONG>(server.pid));
  LONG sum = 0;
  EXPECT_EQ(object->Add(2, 40, &sum), S_OK);
  EXPECT_EQ(sum, 42);
}

TEST_F(ComActivation, CoGetClassObjectGivesTheFactoryAndLockServerReachesIt) {
  ServerHandle server = start_registered("multiple");
  ComPtr<IClassFactory> factory;
  ASSERT_EQ(CoGetClassObject(CLSID_GuiseTestObject, CLSCTX_LOCAL_SERVER, nullptr, IID_IClassFactory,
                             reinterpret_cast<void**>(factory.GetAddressOf())),
            S_OK);
  EXPECT_EQ(factory->LockServer(TRUE), S_OK);
  ASSERT_TRUE(server.process->send("locks"));
  EXPECT_EQ(server.process->wait_for("locks="), "1");
  ComPtr<ITestObject> a, b;
  ASSERT_EQ(factory->CreateInstance(nullptr, IID_ITestObject, reinterpret_cast<void**>(a.GetAddressOf())), S_OK);
  ASSERT_EQ(factory->CreateInstance(nullptr, IID_ITestObject, reinterpret_cast<void**>(b.GetAddressOf())), S_OK);
  EXPECT_NE(a.Get(), b.Get());
  ComPtr<IUnknown> aggregated;
  EXPECT_EQ(factory->CreateInstance(a.Get(), IID_IUnknown, reinterpret_cast<void**>(aggregated.GetAddressOf())),
            CLASS_E_NOAGGREGATION);
  EXPECT_EQ(factory->LockServer(FALSE), S_OK);
  ASSERT_TRUE(server.process->send("locks"));
  EXPECT_EQ(server.process->wait_for("locks="), "0");
}

TEST_F(ComActivation, AClassNobodyServesIsNotRegistered) {
  ComPtr<ITestObject> object;
  EXPECT_EQ(create(object), REGDB_E_CLASSNOTREG);
}

TEST_F(ComActivation, ASuspendedClassIsPublishedOnlyByCoResumeClassObjects) {
  ServerHandle server = start_registered("suspended");
  ComPtr<ITestObject> object;
  EXPECT_EQ(create(object), REGDB_E_CLASSNOTREG);
  ASSERT_TRUE(server.process->send("resume"));
  ASSERT_EQ(server.process->wait_for("resumed hr="), "00000000");
  EXPECT_EQ(create(object), S_OK);
}

TEST_F(ComActivation, ARevokedClassIsGoneAndItsEntryRemoved) {
  ServerHandle server = start_registered("multiple");
  ComPtr<ITestObject> object;
  ASSERT_EQ(create(object), S_OK);
  ASSERT_TRUE(server.process->send("revoke"));
  ASSERT_EQ(server.process->wait_for("revoked hr="), "00000000");
  struct stat st {};
  EXPECT_NE(::stat(entry_path().c_str(), &st), 0) << "the entry was left behind";
  ComPtr<ITestObject> again;
  EXPECT_EQ(create(again), REGDB_E_CLASSNOTREG);
  LONG sum = 0;
  EXPECT_EQ(object->Add(1, 1, &sum), S_OK) << "an instance created earlier lives on";
}

TEST_F(ComActivation, ASingleUseClassServesOneActivation) {
  ServerHandle server = start_registered("single");
  ComPtr<ITestObject> first;
  ASSERT_EQ(create(first), S_OK);
  ComPtr<ITestObject> second;
  EXPECT_EQ(create(second), REGDB_E_CLASSNOTREG) << "a single-use class object leaves the directory once used";
  LONG sum = 0;
  EXPECT_EQ(first->Add(1, 1, &sum), S_OK);
}

TEST_F(ComActivation, AnEntryWhoseServerDiedIsRefused) {
  ServerHandle server = start_registered("multiple");
  server.process->kill();
  struct stat st {};
  ASSERT_EQ(::stat(entry_path().c_str(), &st), 0) << "a killed server cannot remove its entry";
  ComPtr<ITestObject> object;
  EXPECT_EQ(create(object), CO_E_SERVER_EXEC_FAILURE);
}

TEST_F(ComActivation, AnEndpointTakenOverByAnotherUidIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the squatter as uid 41002";
  ServerHandle server = start_registered("multiple");
  // The endpoint the root server's entry names.
  std::ifstream in(entry_path(), std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(content.size(), 8u);
  auto objref = decode_objref(std::span(reinterpret_cast<const std::byte*>(content.data()) + 8, content.size() - 8));
  ASSERT_TRUE(objref.ok());
  auto binding = OxidTable::pick_binding(objref->resolver);
  ASSERT_TRUE(binding);
  server.process->kill();
  // uid 41002 now serves COM on that very endpoint.
  ServerOptions squatter_options;
  squatter_options.uid = 41002;
  squatter_options.gid = 41002;
  squatter_options.env = {"GUISE_COM_ENDPOINT=" + binding->to_string(), "GUISE_COM_CLASS_DIR=/nonexistent"};
  ServerHandle squatter = start_server(squatter_options);
  ASSERT_FALSE(squatter.objref.empty()) << "the squatter did not start";
  ComPtr<ITestObject> object;
  EXPECT_EQ(create(object), CO_E_SERVER_EXEC_FAILURE) << "the squatter must not be trusted as the entry's owner";
  EXPECT_FALSE(object);
  ASSERT_TRUE(squatter.process->send("live"));
  EXPECT_EQ(squatter.process->wait_for("live="), "1") << "the squatter created an object for us";
}

TEST_F(ComActivation, AnEntryPlantedByAnotherUidIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to plant an entry owned by uid 41002";
  ServerHandle server = start_registered("multiple");
  ASSERT_EQ(::chown(entry_path().c_str(), 41002, 41002), 0);
  ComPtr<ITestObject> object;
  EXPECT_EQ(create(object), CO_E_SERVER_EXEC_FAILURE) << "an entry not owned by the directory's owner";
  ASSERT_EQ(::chown(entry_path().c_str(), 0, 0), 0);
  EXPECT_EQ(create(object), S_OK);
  ASSERT_EQ(::chmod(directory_.c_str(), 0777), 0);
  EXPECT_EQ(create(object), CO_E_SERVER_EXEC_FAILURE) << "a directory anyone can write to";
  ASSERT_EQ(::chmod(directory_.c_str(), 0755), 0);
}

TEST_F(ComActivation, AClientOfAnotherUidActivatesARootServer) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the client as uid 41001";
  ServerHandle server = start_registered("multiple");
  TestProcess client({GUISE_COM_TEST_CLIENT, "-", "activate"}, uid_t{41001}, gid_t{41001});
  auto line = client.wait_for("activated hr=");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->substr(0, 8), "00000000") << *line;
  EXPECT_NE(line->find("caller_uid=41001"), std::string::npos) << *line;
  EXPECT_NE(line->find("server_pid=" + std::to_string(server.pid)), std::string::npos) << *line;
  EXPECT_EQ(client.finish(), 0);
}

TEST_F(ComActivation, CoCreateInstanceExReachesTheServerAStringBindingNames) {
  ServerHandle server = start_registered("multiple");
  const std::string bytes = bytes_from_hex(server.objref);
  auto objref = decode_objref(std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
  ASSERT_TRUE(objref.ok());
  auto binding = OxidTable::pick_binding(objref->resolver);
  ASSERT_TRUE(binding);
  std::u16string name = utf8_to_utf16(binding->to_string());
  COSERVERINFO info{0, name.data(), nullptr, 0};
  MULTI_QI results[3] = {{&IID_ITestObject, nullptr, 0}, {&IID_IOther, nullptr, 0}, {&IID_INotImplemented, nullptr, 0}};
  ASSERT_EQ(CoCreateInstanceEx(CLSID_GuiseTestObject, nullptr, CLSCTX_REMOTE_SERVER, &info, 3, results),
            CO_S_NOTALLINTERFACES);
  EXPECT_EQ(results[0].hr, S_OK);
  EXPECT_EQ(results[1].hr, S_OK);
  EXPECT_EQ(results[2].hr, E_NOINTERFACE);
  LONG sum = 0;
  EXPECT_EQ(static_cast<ITestObject*>(static_cast<void*>(results[0].pItf))->Add(2, 3, &sum), S_OK);
  EXPECT_EQ(sum, 5);
  LONG twice = 0;
  EXPECT_EQ(static_cast<IOther*>(static_cast<void*>(results[1].pItf))->Twice(4, &twice), S_OK);
  EXPECT_EQ(twice, 8);
  results[0].pItf->Release();
  results[1].pItf->Release();

  const CLSID unknown = {0x12345678, 0, 0, {1, 2, 3, 4, 5, 6, 7, 8}};
  MULTI_QI one{&IID_ITestObject, nullptr, 0};
  EXPECT_EQ(CoCreateInstanceEx(unknown, nullptr, CLSCTX_REMOTE_SERVER, &info, 1, &one), REGDB_E_CLASSNOTREG);
  std::u16string nowhere = u"ncalrpc:[@guise-com-test-nobody-listens-here]";
  COSERVERINFO gone{0, nowhere.data(), nullptr, 0};
  EXPECT_EQ(CoCreateInstanceEx(CLSID_GuiseTestObject, nullptr, CLSCTX_REMOTE_SERVER, &gone, 1, &one),
            kHresultServerUnavailable);
}

TEST_F(ComActivation, ActivationNeedsAnApartment) {
  HRESULT hr = S_OK;
  std::thread([&] {
    ComPtr<ITestObject> object;
    hr = CoCreateInstance(CLSID_GuiseTestObject, nullptr, CLSCTX_LOCAL_SERVER, IID_ITestObject,
                          reinterpret_cast<void**>(object.GetAddressOf()));
  }).join();
  EXPECT_EQ(hr, CO_E_NOTINITIALIZED);
}

}  // namespace
}  // namespace guise::com::testing
