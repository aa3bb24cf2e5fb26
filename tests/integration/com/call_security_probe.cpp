// call_security_probe.cpp: the script steps of ISecurityProbe::Run (call_security_probe.h).
#include "integration/com/call_security_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/utf16.h"
#include "guise/windows.h"
#include "identity/thread_revert.h"
#include "integration/com/async_probe.h"
#include "integration/com/failing_malloc.h"
#include "integration/com/probe_class.h"
#include "integration/com/task_status.h"

namespace guise::com::testing {
namespace {

std::atomic<long> g_runs{0};
std::atomic<long> g_live{0};
std::mutex g_held_mu;
ISecurityProbe* g_held = nullptr;  // another server's probe (cloaking tests)
std::mutex g_kept_mu;
IServerSecurity* g_kept = nullptr;

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hr));
  return text;
}

std::string narrow(const OLECHAR* text) { return text == nullptr ? "null" : utf16_to_utf8(text); }

// The kernel's view of the calling thread: "uid=r e s fs gid=r e s fs groups=a,b".
std::string kernel_view() {
  const auto ids = read_task_ids(0, ::syscall(SYS_gettid));
  if (!ids) return "uid= gid= groups=";
  return "uid=" + ids->uid + " gid=" + ids->gid + " groups=" + ids->groups;
}

std::string is_impersonating() {
  IServerSecurity* security = nullptr;
  if (FAILED(CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security)))) return "imp=nocall";
  const BOOL imp = security->IsImpersonating();
  security->Release();
  return imp ? "imp=1" : "imp=0";
}

std::string blanket() {
  DWORD svc = 99, authz = 99, level = 99, imp = 99, caps = 99;
  OLECHAR* princ = nullptr;
  RPC_AUTHZ_HANDLE privs = nullptr;
  const HRESULT hr = CoQueryClientBlanket(&svc, &authz, &princ, &level, &imp, &privs, &caps);
  std::string out = "qcb=" + hex(hr);
  if (SUCCEEDED(hr)) {
    out += " svc=" + std::to_string(svc) + " authz=" + std::to_string(authz) + " level=" + std::to_string(level) +
           " imp=" + std::to_string(imp) + " caps=" + std::to_string(caps) +
           " privs=" + narrow(static_cast<const OLECHAR*>(privs)) + " princ=" + narrow(princ);
    CoTaskMemFree(princ);
  }
  return out;
}

std::string context_step() {
  IUnknown* unknown = nullptr;
  IServerSecurity* security = nullptr;
  IUnknown* factory = nullptr;
  const HRESULT a = CoGetCallContext(IID_IUnknown, reinterpret_cast<void**>(&unknown));
  const HRESULT b = CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security));
  factory = reinterpret_cast<IUnknown*>(0x1);
  const HRESULT c = CoGetCallContext(IID_IClassFactory, reinterpret_cast<void**>(&factory));
  const HRESULT d = CoGetCallContext(IID_IUnknown, nullptr);
  bool same = false;
  if (unknown != nullptr && security != nullptr) {
    IUnknown* again = nullptr;
    security->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(&again));
    same = again == unknown;
    if (again != nullptr) again->Release();
  }
  if (unknown != nullptr) unknown->Release();
  if (security != nullptr) security->Release();
  return "ctx unk=" + hex(a) + " ss=" + hex(b) + " same=" + (same ? "1" : "0") + " other=" + hex(c) +
         " otherptr=" + (factory == nullptr ? "null" : "set") + " nullppv=" + hex(d);
}

std::string switch_step() {
  IUnknown* current = nullptr;
  CoGetCallContext(IID_IUnknown, reinterpret_cast<void**>(&current));
  IUnknown* old = nullptr;
  const HRESULT away = CoSwitchCallContext(nullptr, &old);
  IUnknown* none = nullptr;
  const HRESULT during = CoGetCallContext(IID_IUnknown, reinterpret_cast<void**>(&none));
  const HRESULT imp_during = CoImpersonateClient();
  IUnknown* mine = reinterpret_cast<IUnknown*>(0x1);
  const HRESULT back = CoSwitchCallContext(old, &mine);
  const HRESULT null_old = CoSwitchCallContext(old, nullptr);
  IUnknown* after = nullptr;
  const HRESULT again = CoGetCallContext(IID_IUnknown, reinterpret_cast<void**>(&after));
  std::string out = "switch away=" + hex(away) + " oldsame=" + (old == current ? "1" : "0") +
                    " during=" + hex(during) + " impduring=" + hex(imp_during) + " back=" + hex(back) +
                    " mine=" + (mine == nullptr ? "null" : "set") + " nullold=" + hex(null_old) +
                    " again=" + hex(again) + " againsame=" + (after == current ? "1" : "0");
  if (after != nullptr) after->Release();
  if (current != nullptr) current->Release();
  return out;
}

std::string run_step(const std::string& step);

// The kernel's view of thread `tid` of this process, as kernel_view() gives the calling thread's.
std::string kernel_view_of(long tid) {
  const auto ids = read_task_ids(0, tid);
  return ids ? "uid=" + ids->uid + " gid=" + ids->gid : "gone";
}

std::string open_errno(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const int error = fd < 0 ? errno : 0;
  if (fd >= 0) ::close(fd);
  return std::to_string(error);
}

// A thread in the MTA that runs one task at a time on request (R22's helper threads), each bounded.
class MtaWorker {
 public:
  MtaWorker() : thread_([this] { loop(); }) {}
  ~MtaWorker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // Runs `task` on the worker and returns its answer ("timeout" after 20 s).
  std::string run(std::function<std::string()> task) {
    std::unique_lock lock(mu_);
    task_ = std::move(task);
    answered_ = false;
    cv_.notify_all();
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [this] { return answered_; })) return "timeout";
    return answer_;
  }


 private:
  void loop() {
    CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (task_) {
        auto task = std::move(task_);
        task_ = nullptr;
        lock.unlock();
        std::string answer = task();
        lock.lock();
        answer_ = std::move(answer);
        answered_ = true;
        cv_.notify_all();
      } else {
        cv_.wait(lock);
      }
    }
    lock.unlock();
    CoUninitialize();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::function<std::string()> task_;
  std::string answer_;
  bool answered_ = false;
  bool stop_ = false;
  std::thread thread_;
};

// "helpers2": two MTA threads impersonate through this call's context; the first reverts; what each
// says and what the kernel shows of each (R22).
std::string two_helpers() {
  IServerSecurity* security = nullptr;
  if (FAILED(CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security)))) return "helpers2=nocall";
  MtaWorker first, second;
  auto gettid_text = [] { return std::to_string(::syscall(SYS_gettid)); };
  const long tid1 = std::stol(first.run(gettid_text));
  const long tid2 = std::stol(second.run(gettid_text));
  auto imp = [&] { return hex(security->ImpersonateClient()); };
  auto rev = [&] { return hex(security->RevertToSelf()); };
  auto isimp = [&] { return std::to_string(security->IsImpersonating()); };
  // One step per statement: the operands of a chain of + are evaluated in no fixed order.
  std::vector<std::string> items;
  items.push_back("helpers2 imp1=" + first.run(imp));
  items.push_back("imp2=" + second.run(imp));
  items.push_back("both1=" + kernel_view_of(tid1));
  items.push_back("both2=" + kernel_view_of(tid2));
  items.push_back("rev1=" + first.run(rev));
  items.push_back("isimp1=" + first.run(isimp));
  items.push_back("isimp2=" + second.run(isimp));
  items.push_back("t1=" + kernel_view_of(tid1));
  items.push_back("t2=" + kernel_view_of(tid2));
  items.push_back("serving=" + kernel_view_of(::syscall(SYS_gettid)));
  items.push_back("servingimp=" + std::to_string(security->IsImpersonating()));
  items.push_back("rev2=" + second.run(rev));
  items.push_back("after2=" + kernel_view_of(tid2));
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : " ") + item;
  security->Release();
  return out;
}

// "leavehelper:<path>": an MTA thread impersonates through this call's context, opens <path>, and
// blocks without reverting until the server's "release" command; the method returns meanwhile.
struct LeftHelper {
  std::mutex mu;
  std::condition_variable cv;
  bool impersonated = false, released = false, done = false;
  std::string first, second;
  std::thread thread;
};
std::mutex g_left_mu;
std::unique_ptr<LeftHelper> g_left;

std::string leave_helper(const std::string& path, bool block_revert_signal) {
  IServerSecurity* security = nullptr;
  if (FAILED(CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security)))) return "leavehelper=nocall";
  std::lock_guard guard(g_left_mu);
  if (g_left) return "leavehelper=busy";
  g_left = std::make_unique<LeftHelper>();
  LeftHelper* helper = g_left.get();
  helper->thread = std::thread([helper, security, path, block_revert_signal] {
    if (block_revert_signal) {
      // A helper the runtime cannot reach: its call's end must abort the server (fail closed).
      sigset_t block;
      sigemptyset(&block);
      sigaddset(&block, identity::revert_signal());
      ::pthread_sigmask(SIG_BLOCK, &block, nullptr);
    }
    CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    const long tid = static_cast<long>(::syscall(SYS_gettid));
    const HRESULT imp = security->ImpersonateClient();
    std::string during = "tid=" + std::to_string(tid) + " imp=" + hex(imp);
    during += " open=" + open_errno(path);
    during += " isimp=" + std::to_string(security->IsImpersonating());
    during += " " + kernel_view_of(tid);
    std::unique_lock lock(helper->mu);
    helper->first = during;
    helper->impersonated = true;
    helper->cv.notify_all();
    helper->cv.wait_for(lock, std::chrono::seconds(60), [helper] { return helper->released; });
    lock.unlock();
    // The call is over by now.
    std::string after = "open=" + open_errno(path);
    after += " " + kernel_view_of(tid);
    after += " isimp=" + std::to_string(security->IsImpersonating());
    after += " rev=" + hex(security->RevertToSelf());
    after += " then=" + kernel_view_of(tid);
    security->Release();
    CoUninitialize();
    lock.lock();
    helper->second = after;
    helper->done = true;
    helper->cv.notify_all();
  });
  std::unique_lock lock(helper->mu);
  helper->cv.wait_for(lock, std::chrono::seconds(20), [helper] { return helper->impersonated; });
  return "leavehelper " + helper->first;
}

// "exithelper": an MTA thread impersonates through this call's context and ends without reverting;
// the method waits for it to end.
std::string exit_helper() {
  IServerSecurity* security = nullptr;
  if (FAILED(CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security)))) return "exithelper=nocall";
  std::string out;
  std::thread([&] {
    CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    const HRESULT imp = security->ImpersonateClient();
    out = "exithelper imp=" + hex(imp);
    out += " " + kernel_view_of(::syscall(SYS_gettid));
    CoUninitialize();
  }).join();
  security->Release();
  return out;
}

// "gate:<dir>": one byte into the FIFO <dir>/entered, then waits (≤ 30 s) for one byte from the FIFO
// <dir>/go — the test holds both FIFOs open at both ends, so neither open blocks. "gate=go|<why not>".
std::string gate(const std::string& dir) {
  const int entered = ::open((dir + "/entered").c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  const int go = ::open((dir + "/go").c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  std::string out = "gate=";
  char byte = 'e';
  if (entered < 0 || go < 0) {
    out += "noopen";
  } else if (::write(entered, &byte, 1) != 1) {
    out += "nowrite";
  } else {
    // Several gated calls may wait on one FIFO: all wake on each byte and only one gets it, so a
    // reader that finds it taken (EAGAIN) waits again, within the same 30 s.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool opened = false;
    while (!opened) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd ready{go, POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
      opened = ::read(go, &byte, 1) == 1;
    }
    out += opened ? "go" : "timeout";
  }
  if (entered >= 0) ::close(entered);
  if (go >= 0) ::close(go);
  return out;
}

// "create=<hr>": CoCreateInstance of the probe class through the class directory, or with
// "createat:<binding>" CoCreateInstanceEx at the server that string binding names (spec R55).
std::string create_step(const std::string& step) {
  ISecurityProbe* created = nullptr;
  HRESULT hr = S_OK;
  if (step == "create") {
    hr = CoCreateInstance(kClsidSecurityProbe, nullptr, CLSCTX_LOCAL_SERVER, IID_ISecurityProbe,
                          reinterpret_cast<void**>(&created));
  } else {
    std::u16string name = utf8_to_utf16(step.substr(9));
    COSERVERINFO server{0, name.data(), nullptr, 0};
    MULTI_QI wanted{&IID_ISecurityProbe, nullptr, S_OK};
    hr = CoCreateInstanceEx(kClsidSecurityProbe, nullptr, CLSCTX_REMOTE_SERVER, &server, 1, &wanted);
    created = static_cast<ISecurityProbe*>(static_cast<void*>(wanted.pItf));
  }
  if (created != nullptr) created->Release();
  return "create=" + hex(hr);
}

template <class Body>
std::string on_thread(bool in_mta, Body body) {
  std::string out;
  std::thread worker([&] {
    if (in_mta) CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    out = body();
    if (in_mta) CoUninitialize();
  });
  worker.join();
  return out;
}

std::string run_step(const std::string& step) {
  if (step == "status") return kernel_view() + " " + is_impersonating();
  if (step == "imp") return "imp=" + hex(CoImpersonateClient());
  if (step == "ssimp") {
    IServerSecurity* security = nullptr;
    HRESULT hr = CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security));
    if (SUCCEEDED(hr)) {
      hr = security->ImpersonateClient();
      security->Release();
    }
    return "imp=" + hex(hr);
  }
  if (step == "rev") return "rev=" + hex(CoRevertToSelf());
  if (step.rfind("open:", 0) == 0) {
    const int fd = ::open(step.substr(5).c_str(), O_RDONLY | O_CLOEXEC);
    const int error = fd < 0 ? errno : 0;
    if (fd >= 0) ::close(fd);
    return "open=" + std::to_string(error);
  }
  if (step == "blanket") return blanket();
  if (step == "blanketoom") {
    // R13: the server principal cannot be allocated → E_OUTOFMEMORY; without it nothing is allocated.
    HRESULT with_principal = E_UNEXPECTED, without = E_UNEXPECTED;
    {
      FailingMalloc out_of_memory;
      if (out_of_memory.registered() != S_OK) return "qcboom spy=" + hex(out_of_memory.registered());
      OLECHAR* princ = nullptr;
      DWORD level = 0;
      with_principal = CoQueryClientBlanket(nullptr, nullptr, &princ, &level, nullptr, nullptr, nullptr);
      CoTaskMemFree(princ);
      without = CoQueryClientBlanket(nullptr, nullptr, nullptr, &level, nullptr, nullptr, nullptr);
    }
    return "qcboom=" + hex(with_principal) + " without=" + hex(without);
  }
  if (step == "blanketnull") {
    return "qcbnull=" + hex(CoQueryClientBlanket(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr));
  }
  if (step == "ctx") return context_step();
  if (step == "create" || step.rfind("createat:", 0) == 0) return create_step(step);
  if (step == "keep") {
    IServerSecurity* security = nullptr;
    const HRESULT hr = CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security));
    std::lock_guard lock(g_kept_mu);
    if (g_kept != nullptr) g_kept->Release();
    g_kept = security;
    return "keep=" + hex(hr);
  }
  if (step == "switch") return switch_step();
  if (step == "switchother") {
    // A context that is an object without IServerSecurity (R7): the Co* shorthands say E_NOINTERFACE.
    auto* plain = new SecurityProbe();
    IUnknown* old = nullptr;
    const HRESULT away = CoSwitchCallContext(static_cast<ISecurityProbe*>(plain), &old);
    IUnknown* current = nullptr;
    const HRESULT got = CoGetCallContext(IID_IUnknown, reinterpret_cast<void**>(&current));
    const bool same = current == static_cast<IUnknown*>(static_cast<ISecurityProbe*>(plain));
    if (current != nullptr) current->Release();
    const HRESULT imp = CoImpersonateClient();
    const HRESULT rev = CoRevertToSelf();
    const HRESULT qcb = CoQueryClientBlanket(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    IUnknown* mine = nullptr;
    const HRESULT back = CoSwitchCallContext(old, &mine);
    const bool untouched = mine == static_cast<IUnknown*>(static_cast<ISecurityProbe*>(plain));
    plain->Release();
    return "switchother away=" + hex(away) + " got=" + hex(got) + " same=" + (same ? "1" : "0") + " imp=" + hex(imp) +
           " rev=" + hex(rev) + " qcb=" + hex(qcb) + " back=" + hex(back) + " mine=" + (untouched ? "1" : "0");
  }
  if (step == "switchaway") {
    IUnknown* old = nullptr;
    return "switchaway=" + hex(CoSwitchCallContext(nullptr, &old));  // left switched: the runtime restores
  }
  if (step.rfind("helper:", 0) == 0) {
    const std::string inner = step.substr(7);
    return "helper[" + on_thread(true, [&] { return run_step(inner); }) + "]";
  }
  if (step.rfind("foreign:", 0) == 0) {
    const std::string inner = step.substr(8);
    return "foreign[" + on_thread(false, [&] { return run_step(inner); }) + "]";
  }
  if (step.rfind("sshelper:", 0) == 0) {
    // This call's IServerSecurity used from another thread of the apartment / from outside COM.
    const bool in_mta = step.substr(9) == "mta";
    IServerSecurity* security = nullptr;
    if (FAILED(CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security)))) return "sshelper=nocall";
    std::string out = on_thread(in_mta, [&] {
      DWORD level = 0;
      const HRESULT qb = security->QueryBlanket(nullptr, nullptr, nullptr, &level, nullptr, nullptr, nullptr);
      const HRESULT imp = security->ImpersonateClient();
      const HRESULT rev = security->RevertToSelf();
      const BOOL is = security->IsImpersonating();
      return "sshelper qb=" + hex(qb) + " level=" + std::to_string(level) + " imp=" + hex(imp) + " rev=" + hex(rev) +
             " isimp=" + std::to_string(is) + " " + kernel_view();
    });
    security->Release();
    return out;
  }
  if (step.rfind("callout:", 0) == 0) {
    // The held probe runs the rest (',' separates its steps) and answers "callout[<hr> <transcript>]".
    std::string inner = step.substr(8);
    for (char& c : inner) c = c == ',' ? ';' : c;
    ISecurityProbe* held = nullptr;
    {
      std::lock_guard lock(g_held_mu);
      held = g_held;
      if (held != nullptr) held->AddRef();
    }
    if (held == nullptr) return "callout[none]";
    char* transcript = nullptr;
    const HRESULT hr = held->Run(inner.c_str(), &transcript);
    held->Release();
    std::string out = "callout[" + hex(hr) + " " + (transcript != nullptr ? transcript : "") + "]";
    CoTaskMemFree(transcript);
    return out;
  }
  if (step.rfind("accesscheck:", 0) == 0) {
    // OpenThreadToken(OpenAsSelf) + AccessCheck(COM_RIGHTS_EXECUTE) against the SDDL that follows.
    std::string sddl = step.substr(12);
    for (char& c : sddl) c = c == '!' ? ';' : c;  // ';' separates steps
    const std::u16string text = utf8_to_utf16(sddl);
    PSECURITY_DESCRIPTOR sd = nullptr;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(text.c_str(), SDDL_REVISION_1, &sd, nullptr)) {
      return "accesscheck=badsddl";
    }
    HANDLE token = nullptr;
    std::string out;
    if (!OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token)) {
      out = "accesscheck=notoken(" + std::to_string(GetLastError()) + ")";
    } else {
      GENERIC_MAPPING mapping{COM_RIGHTS_EXECUTE, COM_RIGHTS_EXECUTE, COM_RIGHTS_EXECUTE, COM_RIGHTS_EXECUTE};
      PRIVILEGE_SET privileges{};
      DWORD privileges_size = sizeof privileges, granted = 0;
      BOOL status = FALSE;
      const BOOL ran = AccessCheck(sd, token, COM_RIGHTS_EXECUTE, &mapping, &privileges, &privileges_size, &granted,
                                   &status);
      out = std::string("accesscheck=") + (ran ? (status ? "granted" : "denied") : "failed");
      CloseHandle(token);
    }
    LocalFree(sd);
    return out;
  }
  if (step == "rogue") {
    // Changes the thread's effective uid behind the runtime's back (raw syscall, never reverted).
    return "rogue=" + std::to_string(::syscall(SYS_setresuid, -1, 41002, -1));
  }
  if (step == "throw") throw std::runtime_error("the probe throws on request");
  if (step.rfind("gate:", 0) == 0) return gate(step.substr(5));
  if (step == "helpers2") return two_helpers();
  if (step.rfind("leavehelper:", 0) == 0) return leave_helper(step.substr(12), false);
  if (step.rfind("blockhelper:", 0) == 0) return leave_helper(step.substr(12), true);
  if (step == "exithelper") return exit_helper();
  if (std::optional<std::string> async = async_probe_step(step)) return *async;
  return "unknown-step(" + step + ")";
}

}  // namespace

std::string run_probe_step(const std::string& step) { return run_step(step); }

std::string run_probe_script(const std::string& script) {
  std::string out;
  std::size_t start = 0;
  while (start <= script.size()) {
    std::size_t end = script.find(';', start);
    if (end == std::string::npos) end = script.size();
    const std::string step = script.substr(start, end - start);
    if (!step.empty()) out += (out.empty() ? "" : "; ") + run_step(step);
    start = end + 1;
  }
  return out;
}

std::string release_left_helper() {
  std::unique_ptr<LeftHelper> helper;
  {
    std::lock_guard guard(g_left_mu);
    helper = std::move(g_left);
  }
  if (!helper) return "released none";
  std::unique_lock lock(helper->mu);
  helper->released = true;
  helper->cv.notify_all();
  const bool done = helper->cv.wait_for(lock, std::chrono::seconds(20), [&] { return helper->done; });
  lock.unlock();
  if (!done) {
    helper->thread.detach();
    (void)helper.release();  // the thread still uses it
    return "released timeout";
  }
  helper->thread.join();
  return "released " + helper->second;
}

std::string probe_kept_context() {
  std::lock_guard lock(g_kept_mu);
  if (g_kept == nullptr) return "kept none";
  DWORD level = 0;
  const HRESULT qb = g_kept->QueryBlanket(nullptr, nullptr, nullptr, &level, nullptr, nullptr, nullptr);
  const HRESULT imp = g_kept->ImpersonateClient();
  const HRESULT rev = g_kept->RevertToSelf();
  const BOOL is = g_kept->IsImpersonating();
  const ULONG refs_up = g_kept->AddRef();
  const ULONG refs_down = g_kept->Release();
  return "kept qb=" + hex(qb) + " imp=" + hex(imp) + " rev=" + hex(rev) + " isimp=" + std::to_string(is) +
         " addref=" + std::to_string(refs_up) + " release=" + std::to_string(refs_down) + " " + kernel_view();
}

std::string probe_outside_call() {
  auto answers = [] {
    IUnknown* context = reinterpret_cast<IUnknown*>(0x1);
    const HRESULT gcc = CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&context));
    return "gcc=" + hex(gcc) + " ptr=" + (context == nullptr ? "null" : "set") + " imp=" + hex(CoImpersonateClient()) +
           " rev=" + hex(CoRevertToSelf()) +
           " qcb=" + hex(CoQueryClientBlanket(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr));
  };
  return "outside mta[" + on_thread(true, answers) + "] nocom[" + on_thread(false, answers) + "]";
}

long probe_runs() noexcept { return g_runs.load(); }
void count_probe_run() noexcept { g_runs.fetch_add(1); }
long live_probes() noexcept { return g_live.load(); }

SecurityProbe::SecurityProbe() { g_live.fetch_add(1); }

HRESULT hold_probe(ISecurityProbe* probe) {
  std::lock_guard lock(g_held_mu);
  if (g_held != nullptr) g_held->Release();
  g_held = probe;
  return S_OK;
}

HRESULT set_held_blanket(DWORD level, DWORD imp, DWORD capabilities) {
  std::lock_guard lock(g_held_mu);
  if (g_held == nullptr) return E_UNEXPECTED;
  return CoSetProxyBlanket(g_held, RPC_C_AUTHN_DEFAULT, RPC_C_AUTHZ_DEFAULT, COLE_DEFAULT_PRINCIPAL, level, imp,
                           COLE_DEFAULT_AUTHINFO, capabilities);
}

HRESULT SecurityProbe::Run(const char* script, char** transcript) {
  g_runs.fetch_add(1);
  *transcript = nullptr;
  const std::string out = run_probe_script(script == nullptr ? "" : script);
  *transcript = static_cast<char*>(CoTaskMemAlloc(out.size() + 1));
  if (*transcript == nullptr) return E_OUTOFMEMORY;
  std::memcpy(*transcript, out.c_str(), out.size() + 1);
  return S_OK;
}

}  // namespace guise::com::testing
