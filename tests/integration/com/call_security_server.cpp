// guise-callsec-server: exports a SecurityProbe (call_security_probe.h) for the call-security tests.
//
//   guise-callsec-server [--nocap] [--absolute] [--init <level> <imp> <caps> <SDDL|null>] [--init-again] [--class]
//                        [--sta] [--async] [--hold <objref>] [--hold-dynamic]
// --sta puts the probe in the main thread's STA (prints "tid=<its kernel thread id>"; stdin is read by
// another thread, so "hold", "kept" and "outside" run in the MTA there); --hold unmarshals another
// server's probe on the main thread before serving, for the "callout:" steps of an STA probe (R30);
// --hold-dynamic then sets its blanket to IMPERSONATE with EOAC_DYNAMIC_CLOAKING.
// --async exports an AsyncSecurityProbe instead (async_probe.h): every Run is processed asynchronously,
// the script inside Begin_Run; stdin "lastasync" → last_async_transcript().
// --nocap drops CAP_SETUID/CAP_SETGID before anything else (R27). --init calls CoInitializeSecurity
// first (the SDDL converted to a self-relative descriptor, or to an absolute one with MakeAbsoluteSD
// under --absolute; "null": no descriptor) and prints "init hr=<hex>"; --init-again calls it a second
// time after exporting and prints "again hr=<hex>". --class registers the SecurityProbe class
// (probe_class.h) for CLSCTX_LOCAL_SERVER and prints "class hr=<hex>". Then prints "pid=", "objref=" and "ready", and
// serves until stdin closes. stdin commands, one line each: "kept" → probe_kept_context(),
// "outside" → probe_outside_call(), "runs" → "runs=<ISecurityProbe::Run calls entered>",
// "threads" → thread_identities(), "probes" → "probes=<SecurityProbes alive>",
// "creator" → "creator=<who activated last>", "hold <objref>" → "held hr=" (unmarshals another server's probe for "callout:" steps),
// "heldblanket <level> <imp> <caps hex>" → "heldblanket hr=" (CoSetProxyBlanket on it, this thread),
// "release" → release_left_helper(), "lastasync" → last_async_transcript().
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "base/utf16.h"
#include "guise/objbase.h"
#include "guise/sddl.h"
#include "guise/securitybaseapi.h"
#include "guise/handleapi.h"
#include "guise/synchapi.h"
#include "guise/winbase.h"
#include "integration/com/async_probe.h"
#include "integration/com/call_security_probe.h"
#include "integration/com/objref_text.h"
#include "integration/com/probe_class.h"

using namespace guise::com::testing;

namespace {
void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}
std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hr));
  return text;
}
}  // namespace

// Drops CAP_SETUID and CAP_SETGID from every set of this (still single-threaded) process: threads
// made later inherit the sets (spec R27's server that cannot switch ids).
bool drop_setid_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  const std::uint32_t setid = (1u << CAP_SETUID) | (1u << CAP_SETGID);
  for (auto& d : data) {
    d.effective &= ~setid;
    d.permitted &= ~setid;
    d.inheritable &= ~setid;
  }
  return ::syscall(SYS_capset, &header, data) == 0;
}

// Every thread of this process as the kernel shows it: "threads total=<n> foreign=<k> <first foreign>",
// foreign = a thread whose Uid:/Gid:/Groups: lines differ from the main thread's.
std::string thread_identities() {
  auto view = [](const std::string& task) {
    std::ifstream status("/proc/self/task/" + task + "/status");
    std::string line, out;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0 || line.rfind("Gid:", 0) == 0 || line.rfind("Groups:", 0) == 0) out += line + "|";
    }
    return out;
  };
  const std::string main_view = view(std::to_string(::getpid()));
  int total = 0, foreign = 0;
  std::string first;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    ++total;
    const std::string v = view(entry.path().filename().string());
    if (v != main_view && !v.empty()) {
      if (foreign++ == 0) first = entry.path().filename().string() + ":" + v;
    }
  }
  return "threads total=" + std::to_string(total) + " foreign=" + std::to_string(foreign) + " " + first;
}

// The stdin commands (header comment), until stdin closes.
void serve_commands();

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--nocap" && !drop_setid_capabilities()) return 4;
  bool again = false;
  bool absolute = false;
  bool sta = false;
  bool hold_dynamic = false;
  bool async = false;
  std::string hold;
  for (int i = 1; i < argc; ++i) {
    absolute = absolute || std::string(argv[i]) == "--absolute";
    async = async || std::string(argv[i]) == "--async";
    sta = sta || std::string(argv[i]) == "--sta";
    hold_dynamic = hold_dynamic || std::string(argv[i]) == "--hold-dynamic";
    if (std::string(argv[i]) == "--hold" && i + 1 < argc) hold = argv[i + 1];
  }
  if (FAILED(CoInitializeEx(nullptr, sta ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED))) return 1;
  bool register_class = false;
  // Buffers of the absolute form (--absolute): they must outlive CoInitializeSecurity only, which copies.
  std::vector<std::uint8_t> abs_sd(256), abs_dacl(4096), abs_sacl(4096), abs_owner(256), abs_group(256);
  DWORD level = RPC_C_AUTHN_LEVEL_CONNECT, imp = RPC_C_IMP_LEVEL_IDENTIFY, caps = EOAC_NONE;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--init" && i + 4 < argc) {
      level = static_cast<DWORD>(std::stoul(argv[i + 1]));
      imp = static_cast<DWORD>(std::stoul(argv[i + 2]));
      caps = static_cast<DWORD>(std::stoul(argv[i + 3], nullptr, 0));
      const std::string sddl = argv[i + 4];
      PSECURITY_DESCRIPTOR sd = nullptr;
      if (sddl != "null") {
        const std::u16string text = guise::utf8_to_utf16(sddl);
        if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(text.c_str(), SDDL_REVISION_1, &sd, nullptr)) {
          say("sddl failed");
          return 1;
        }
      }
      PSECURITY_DESCRIPTOR given = sd;
      if (absolute && sd != nullptr) {
        DWORD sd_size = 256, dacl_size = 4096, sacl_size = 4096, owner_size = 256, group_size = 256;
        if (!MakeAbsoluteSD(sd, abs_sd.data(), &sd_size, reinterpret_cast<PACL>(abs_dacl.data()), &dacl_size,
                            reinterpret_cast<PACL>(abs_sacl.data()), &sacl_size, abs_owner.data(), &owner_size,
                            abs_group.data(), &group_size)) {
          say("absolute failed");
          return 1;
        }
        given = abs_sd.data();
      }
      say("init hr=" + hex(CoInitializeSecurity(given, -1, nullptr, nullptr, level, imp, nullptr, caps, nullptr)));
      if (sd != nullptr) LocalFree(sd);
      i += 4;
    } else if (arg == "--init-again") {
      again = true;
    } else if (arg == "--class") {
      register_class = true;
    }
  }
  ISecurityProbe* probe = nullptr;
  if (async) {
    start_async_probe_worker();
    probe = new AsyncSecurityProbe();
  } else {
    probe = new SecurityProbe();
  }
  const std::string objref = marshal_to_hex(probe, IID_ISecurityProbe);
  if (objref.empty()) return 1;
  if (again) {
    say("again hr=" + hex(CoInitializeSecurity(nullptr, -1, nullptr, nullptr, level, imp, nullptr, caps, nullptr)));
  }
  if (!hold.empty()) {
    ISecurityProbe* other = nullptr;
    const HRESULT hr = unmarshal_from_hex(hold, IID_ISecurityProbe, reinterpret_cast<void**>(&other));
    if (SUCCEEDED(hr)) hold_probe(other);
    say("held hr=" + hex(hr));
    if (SUCCEEDED(hr) && hold_dynamic) {
      say("heldblanket hr=" +
          hex(set_held_blanket(RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, EOAC_DYNAMIC_CLOAKING)));
    }
  }
  DWORD class_cookie = 0;
  if (register_class) {
    guise::ComPtr<IClassFactory> factory = new_probe_factory();
    say("class hr=" + hex(CoRegisterClassObject(kClsidSecurityProbe, factory.Get(), CLSCTX_LOCAL_SERVER,
                                                REGCLS_MULTIPLEUSE, &class_cookie)));
  }
  say("pid=" + std::to_string(::getpid()));
  if (sta) say("tid=" + std::to_string(::syscall(SYS_gettid)));
  say("objref=" + objref);
  say("ready");
  if (sta) {
    // The STA thread serves its probe's calls while it waits for the event stdin's end sets.
    HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    std::thread commands([&] {
      (void)CoInitializeEx(nullptr, COINIT_MULTITHREADED);
      serve_commands();
      SetEvent(done);
      CoUninitialize();
    });
    DWORD index = 0;
    const HRESULT waited = CoWaitForMultipleHandles(0, INFINITE, 1, &done, &index);
    commands.join();
    join_async_probe_threads();
    CloseHandle(done);
    if (class_cookie != 0) CoRevokeClassObject(class_cookie);
    probe->Release();
    CoUninitialize();
    return waited == S_OK && index == 0 ? 0 : 5;
  }
  serve_commands();
  join_async_probe_threads();
  if (class_cookie != 0) CoRevokeClassObject(class_cookie);
  probe->Release();
  CoUninitialize();
  return 0;
}

void serve_commands() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "kept") say(probe_kept_context());
    if (line == "outside") say(probe_outside_call());
    if (line == "release") say(release_left_helper());
    if (line == "lastasync") say(last_async_transcript());
    if (line == "threads") say(thread_identities());
    if (line == "probes") say("probes=" + std::to_string(live_probes()));
    if (line == "runs") say("runs=" + std::to_string(probe_runs()));
    if (line == "creator") say("creator=" + last_creator());
    if (line.rfind("hold ", 0) == 0) {
      ISecurityProbe* other = nullptr;
      const HRESULT hr = unmarshal_from_hex(line.substr(5), IID_ISecurityProbe, reinterpret_cast<void**>(&other));
      if (SUCCEEDED(hr)) hold_probe(other);
      say("held hr=" + hex(hr));
    }
    if (line.rfind("heldblanket ", 0) == 0) {
      unsigned held_level = 0, held_imp = 0, held_caps = 0;
      std::sscanf(line.c_str() + 12, "%u %u %x", &held_level, &held_imp, &held_caps);
      say("heldblanket hr=" + hex(set_held_blanket(held_level, held_imp, held_caps)));
    }
  }
}
