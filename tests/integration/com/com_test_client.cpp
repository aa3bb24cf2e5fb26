// guise-com-test-client: a second client process for the COM remoting tests (killed mid-call,
// killed while holding references, running as another uid).
//
//   guise-com-test-client <objref hex> <action>
// actions:
//   hold-child   CreateChild, print "holding", then wait for stdin to close (the test kills it)
//   block        print "calling", call Block (the test kills the server or this process meanwhile),
//                then print "hr=<hex>"
//   add          print "sum=<Add(2, 3)>" or "hr=<hex>"
//   sta-<action> the same from an STA thread (its outgoing calls wait in the STA's modal loop)
//   flood        12 threads call Null at once; each prints "hr=<hex>" when its call ends
//   whocalls     print "caller_pid=<p> caller_uid=<u> server_pid=<s>"
//   simple-ping <set id, hex>   IObjectExporter::SimplePing on someone else's set: print "status=<n>"
//   - activate   (objref argument ignored) CoCreateInstance(CLSID_GuiseTestObject, CLSCTX_LOCAL_SERVER)
//                then WhoCalls: print "activated hr=<hex> caller_uid=<u> server_pid=<s>"
// Exit status 0 when the action ran (whatever its HRESULT), 2 on bad usage, 3 when unmarshaling failed.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "guise/objbase.h"
#include "integration/com/objref_text.h"
#include "com/objref.h"
#include "com/remote_oxid.h"
#include "comtest.h"
#include "integration/com/test_object.h"
#include "oxidresolver.h"
#include "rpc/ndr_interface.h"

using namespace guise::com::testing;

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[2]) == "simple-ping") {
    const std::string bytes = bytes_from_hex(argv[1]);
    auto objref = guise::com::decode_objref(std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
    if (!objref.ok()) return 3;
    auto binding = guise::com::OxidTable::pick_binding(objref->resolver);
    if (!binding) return 3;
    auto client = guise::rpc::Client::create(binding->to_string(),
                                             guise::com::ConnectionSource::default_auth(*binding));
    if (!client.ok()) return 3;
    IObjectExporter_Client exporter(guise::rpc::call_fn_for(*client, IObjectExporter_v0_0_s_ifspec));
    SETID set = std::stoull(argv[3], nullptr, 16);
    const error_status_t status = exporter.SimplePing(nullptr, &set);
    std::printf("status=%u\n", static_cast<unsigned>(status));
    return 0;
  }
  if (argc != 3) return 2;
  std::string action = argv[2];
  const bool sta = action.rfind("sta-", 0) == 0;
  if (sta) action = action.substr(4);
  if (FAILED(CoInitializeEx(nullptr, sta ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED))) return 1;
  if (action == "activate") {
    ITestObject* created = nullptr;
    HRESULT hr = CoCreateInstance(CLSID_GuiseTestObject, nullptr, CLSCTX_LOCAL_SERVER, IID_ITestObject,
                                  reinterpret_cast<void**>(&created));
    ULONG pid = 0, uid = 0, server = 0;
    if (SUCCEEDED(hr)) hr = created->WhoCalls(&pid, &uid, &server);
    std::printf("activated hr=%08x caller_uid=%u server_pid=%u\n", static_cast<unsigned>(hr), uid, server);
    std::fflush(stdout);
    if (created != nullptr) created->Release();
    CoUninitialize();
    return 0;
  }
  ITestObject* object = nullptr;
  const HRESULT hr = unmarshal_from_hex(argv[1], IID_ITestObject, reinterpret_cast<void**>(&object));
  if (FAILED(hr)) {
    std::printf("unmarshal hr=%08x\n", static_cast<unsigned>(hr));
    return 3;
  }
  if (action == "hold-child") {
    ITestObject* child = nullptr;
    const HRESULT created = object->CreateChild(&child);
    std::printf("holding hr=%08x\n", static_cast<unsigned>(created));
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    if (child != nullptr) child->Release();
  } else if (action == "block") {
    std::printf("calling\n");
    std::fflush(stdout);
    const HRESULT blocked = object->Block();
    std::printf("hr=%08x\n", static_cast<unsigned>(blocked));
  } else if (action == "flood") {
    // Many calls at once from this one peer, each printing "hr=<hex>" as it ends.
    constexpr int kCallers = 12;
    std::mutex out_mu;
    std::vector<std::thread> callers;
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([object, &out_mu] {
        if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return;
        const HRESULT called = object->Null();
        {
          std::lock_guard lock(out_mu);
          std::printf("hr=%08x\n", static_cast<unsigned>(called));
          std::fflush(stdout);
        }
        CoUninitialize();
      });
    }
    for (auto& caller : callers) caller.join();
  } else if (action == "add") {
    LONG sum = 0;
    const HRESULT added = object->Add(2, 3, &sum);
    if (SUCCEEDED(added)) {
      std::printf("sum=%d\n", static_cast<int>(sum));
    } else {
      std::printf("hr=%08x\n", static_cast<unsigned>(added));
    }
  } else if (action == "whocalls") {
    ULONG pid = 0, uid = 0, server = 0;
    const HRESULT asked = object->WhoCalls(&pid, &uid, &server);
    std::printf("hr=%08x caller_pid=%u caller_uid=%u server_pid=%u\n", static_cast<unsigned>(asked), pid, uid, server);
  } else {
    return 2;
  }
  std::fflush(stdout);
  object->Release();
  CoUninitialize();
  return 0;
}
