// guise-com-test-server: exports one TestObject (comtest.idl) for the COM remoting tests.
//
//   guise-com-test-server [--register multiple|single|suspended | --sta]
// With --sta, the main thread is an STA: the root object lives there and prints "tid=<its thread id>"
// before "objref="; the thread then waits in CoWaitForMultipleHandles (serving its object's calls) for
// an event set when stdin closes, and the process exits 0 if that wait returned S_OK for the event.
// With --register, registers a TestFactory for CLSID_GuiseTestObject (CLSCTX_LOCAL_SERVER,
// REGCLS_MULTIPLEUSE / REGCLS_SINGLEUSE / REGCLS_MULTIPLEUSE|REGCLS_SUSPENDED) and prints
// "registered hr=<hex>" before "ready". Prints "pid=<pid>", "objref=<hex OBJREF of the root ITestObject>", then "ready", and serves until
// its stdin closes. Commands on stdin, one per line (each answered with a line when done):
//   unblock     release every call blocked in ITestObject::Block      → "unblocked"
//   disconnect  CoDisconnectObject on the root object                  → "disconnected"
//   live        the number of TestObjects alive                        → "live=<n>"
//   qicount     QueryInterface calls that asked for IID_INotImplemented → "qicount=<n>"
//   release     drop the server's own reference to the root            → "released"
//   resume      CoResumeClassObjects                                     → "resumed hr=<hex>"
//   revoke      CoRevokeClassObject of the registration                  → "revoked hr=<hex>"
//   locks       LockServer count of the factory                          → "locks=<n>"
// A TestObject's destruction prints "destroyed <id>" (the root is id 0), a call entering Block prints
// "blocking". The starting process
// controls the lifetime through the pipe: no signals, no sleeps.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "guise/objbase.h"
#include "guise/processthreadsapi.h"
#include "guise/handleapi.h"
#include "guise/synchapi.h"
#include "integration/com/objref_text.h"
#include "integration/com/test_object.h"

using namespace guise::com::testing;

namespace {
std::mutex g_out_mu;
void say(const std::string& line) {
  std::lock_guard lock(g_out_mu);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}
}  // namespace

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hr));
  return text;
}

namespace {

// One stdin command (see the top of the file); false for an unknown one.
void handle(const std::string& line, ITestObject*& root, DWORD cookie) {
  if (line == "unblock") {
    unblock_all();
    say("unblocked");
  } else if (line == "disconnect") {
    CoDisconnectObject(root, 0);
    say("disconnected");
  } else if (line == "live") {
    say("live=" + std::to_string(live_test_objects()));
  } else if (line == "qicount") {
    say("qicount=" + std::to_string(not_implemented_queries()));
  } else if (line == "resume") {
    say("resumed hr=" + hex(CoResumeClassObjects()));
  } else if (line == "revoke") {
    say("revoked hr=" + hex(CoRevokeClassObject(cookie)));
  } else if (line == "locks") {
    say("locks=" + std::to_string(TestFactory::locks()));
  } else if (line == "release") {
    if (root != nullptr) root->Release();
    root = nullptr;
    say("released");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool sta = argc == 2 && std::string(argv[1]) == "--sta";
  if (FAILED(CoInitializeEx(nullptr, sta ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED))) return 1;
  // Every caller is admitted (a NULL descriptor): the remoting tests call in as other uids; without this
  // only root and this process's uid would get in (spec R37). With a TCP endpoint (the impacket interop
  // test) callers are unauthenticated until a GSSAPI provider is configured, so the floor is NONE there.
  const DWORD level = std::getenv("GUISE_COM_TCP_ADDRESS") != nullptr ? RPC_C_AUTHN_LEVEL_NONE : RPC_C_AUTHN_LEVEL_CONNECT;
  if (FAILED(CoInitializeSecurity(nullptr, -1, nullptr, nullptr, level, RPC_C_IMP_LEVEL_IDENTIFY, nullptr, EOAC_NONE,
                                  nullptr))) {
    return 1;
  }
  DWORD cookie = 0;
  if (argc == 3 && std::string(argv[1]) == "--register") {
    const std::string mode = argv[2];
    const DWORD flags = mode == "single" ? REGCLS_SINGLEUSE
                        : mode == "suspended" ? (REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED)
                                              : REGCLS_MULTIPLEUSE;
    auto* factory = new TestFactory();
    const HRESULT hr = CoRegisterClassObject(CLSID_GuiseTestObject, factory, CLSCTX_LOCAL_SERVER, flags, &cookie);
    factory->Release();
    say("registered hr=" + hex(hr));
  }
  set_destroy_hook([](long id) { say("destroyed " + std::to_string(id)); });
  set_block_hook([] { say("blocking"); });
  ITestObject* root = new TestObject();
  const std::string objref = marshal_to_hex(root, IID_ITestObject);
  if (objref.empty()) {
    std::fprintf(stderr, "marshaling the root object failed\n");
    return 1;
  }
  say("pid=" + std::to_string(::getpid()));
  if (sta) say("tid=" + std::to_string(GetCurrentThreadId()));
  say("objref=" + objref);
  say("ready");
  if (sta) {
    // The STA thread serves its object's calls while it waits for the event stdin's end sets.
    HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    std::thread commands([&] {
      (void)CoInitializeEx(nullptr, COINIT_MULTITHREADED);
      std::string line;
      while (std::getline(std::cin, line)) handle(line, root, cookie);
      unblock_all();
      SetEvent(done);
      CoUninitialize();
    });
    DWORD index = 0;
    const HRESULT waited = CoWaitForMultipleHandles(0, INFINITE, 1, &done, &index);
    commands.join();
    CloseHandle(done);
    if (root != nullptr) root->Release();
    CoUninitialize();
    return waited == S_OK && index == 0 ? 0 : 4;
  }
  std::string line;
  while (std::getline(std::cin, line)) handle(line, root, cookie);
  unblock_all();
  if (root != nullptr) root->Release();
  CoUninitialize();
  return 0;
}
