// async_client.cpp: guise-callsec-client's asynchronous-call commands (async_client.h).
#include "integration/com/async_client.h"

#include <cstdio>
#include <sstream>
#include <vector>

#include "base/hresult_map.h"
#include "com/async_call_engine.h"
#include "guise/objbase.h"
#include "guise/synchapi.h"
#include "integration/com/call_security_probe.h"
#include "integration/com/objref_text.h"

namespace guise::com::testing {
namespace {

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hr));
  return text;
}

template <class T>
T* as(IUnknown* unknown, REFIID iid) {
  void* out = nullptr;
  if (unknown == nullptr || FAILED(unknown->QueryInterface(iid, &out))) return nullptr;
  // The caller keeps `unknown`, so the extra reference is dropped at once (identity rules keep it alive).
  static_cast<IUnknown*>(out)->Release();
  return static_cast<T*>(out);
}

// A minimal outer object for the aggregation check: it only owns the inner unknown it is given.
class Outer final : public IUnknown {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown) {
      *ppv = this;
      AddRef();
      return S_OK;
    }
    return inner_ != nullptr ? inner_->QueryInterface(riid, ppv) : E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = --refs_;
    if (left == 0) {
      if (inner_ != nullptr) inner_->Release();
      delete this;
    }
    return left;
  }
  IUnknown* inner_ = nullptr;

 private:
  ULONG refs_ = 1;
};

const GUID kNotAnAsyncIid = {0x6a1f0c52, 0x3d4e, 0x4c8a, {0x9b, 0x1e, 0x0d, 0x2c, 0x4e, 0x5f, 0x6b, 0x7f}};

}  // namespace

AsyncCalls::AsyncCalls(ISecurityProbe* probe) : probe_(probe) {}

AsyncCalls::~AsyncCalls() { clear(); }

void AsyncCalls::clear() {
  for (auto& [name, unknown] : calls_) unknown->Release();
  calls_.clear();
  impersonating_.reset();
}

bool AsyncCalls::handles(const std::string& line) const {
  std::istringstream in(line);
  std::string word;
  in >> word;
  for (const char* known : {"acreatechecks", "abegin", "afinish", "await", "ahandle", "acancel", "acopy", "atest",
                            "ablanket", "aquery", "arelease", "amany", "aimp", "arev", "aexport"}) {
    if (word == known) return true;
  }
  return false;
}

IUnknown* AsyncCalls::call(const std::string& name, HRESULT& hr) {
  hr = S_OK;
  if (auto found = calls_.find(name); found != calls_.end()) return found->second;
  ICallFactory* factory = nullptr;
  hr = probe_->QueryInterface(IID_ICallFactory, reinterpret_cast<void**>(&factory));
  if (FAILED(hr)) return nullptr;
  IUnknown* made = nullptr;
  hr = factory->CreateCall(IID_AsyncISecurityProbe, nullptr, IID_IUnknown, &made);
  factory->Release();
  if (FAILED(hr)) return nullptr;
  calls_[name] = made;
  return made;
}

std::string AsyncCalls::create_checks() {
  ICallFactory* factory = nullptr;
  const HRESULT qi = probe_->QueryInterface(IID_ICallFactory, reinterpret_cast<void**>(&factory));
  std::string out = "acreatechecks qi=" + hex(qi);
  if (FAILED(qi)) return out;
  IUnknown* made = nullptr;
  const HRESULT ok = factory->CreateCall(IID_AsyncISecurityProbe, nullptr, IID_AsyncISecurityProbe, &made);
  if (made != nullptr) made->Release();
  made = reinterpret_cast<IUnknown*>(0x1);
  const HRESULT sync = factory->CreateCall(IID_ISecurityProbe, nullptr, IID_IUnknown, &made);  // not an async IID
  out += " ok=" + hex(ok) + " sync=" + hex(sync) + (made == nullptr ? "/null" : "/set");
  made = nullptr;
  const HRESULT unknown = factory->CreateCall(kNotAnAsyncIid, nullptr, IID_IUnknown, &made);
  if (made != nullptr) made->Release();
  auto* outer = new Outer();
  made = nullptr;
  const HRESULT noagg = factory->CreateCall(IID_AsyncISecurityProbe, outer, IID_AsyncISecurityProbe, &made);
  if (made != nullptr) made->Release();
  const HRESULT aggok = factory->CreateCall(IID_AsyncISecurityProbe, outer, IID_IUnknown, &outer->inner_);
  // Aggregated: the call object's interfaces answer through the outer unknown.
  AsyncISecurityProbe* through = nullptr;
  const HRESULT agg_qi = outer->QueryInterface(IID_AsyncISecurityProbe, reinterpret_cast<void**>(&through));
  IUnknown* identity = nullptr;
  if (through != nullptr) {
    through->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(&identity));
    through->Release();
  }
  const bool outer_identity = identity == outer;
  if (identity != nullptr) identity->Release();
  outer->Release();
  const HRESULT nullppv = factory->CreateCall(IID_AsyncISecurityProbe, nullptr, IID_IUnknown, nullptr);
  factory->Release();
  out += " unknown=" + hex(unknown) + " noagg=" + hex(noagg) + " aggok=" + hex(aggok) + " aggqi=" + hex(agg_qi) +
         (outer_identity ? "/outer" : "/other") + " nullppv=" + hex(nullppv);
  return out;
}

// R57 under load: `count` call objects begun from this one thread, then every one finished.
std::string AsyncCalls::many(long count, const std::string& script) {
  std::vector<IUnknown*> objects;
  long begun = 0, finished = 0, bad = 0;
  std::string first;
  ICallFactory* factory = nullptr;
  if (FAILED(probe_->QueryInterface(IID_ICallFactory, reinterpret_cast<void**>(&factory)))) return "amany nofactory";
  for (long i = 0; i < count; ++i) {
    IUnknown* made = nullptr;
    HRESULT hr = factory->CreateCall(IID_AsyncISecurityProbe, nullptr, IID_IUnknown, &made);
    if (SUCCEEDED(hr)) {
      objects.push_back(made);
      hr = as<AsyncISecurityProbe>(made, IID_AsyncISecurityProbe)->Begin_Run(script.c_str());
    }
    if (SUCCEEDED(hr)) {
      ++begun;
    } else if (bad++ == 0) {
      first = "begin " + std::to_string(i) + " " + hex(hr);
    }
  }
  factory->Release();
  const std::string expected_prefix = "uid=0 0 0 0";  // a synchronous probe step run as the server
  for (std::size_t i = 0; i < objects.size(); ++i) {
    char* transcript = nullptr;
    const HRESULT hr = as<AsyncISecurityProbe>(objects[i], IID_AsyncISecurityProbe)->Finish_Run(&transcript);
    const std::string text = transcript != nullptr ? transcript : "";
    CoTaskMemFree(transcript);
    if (hr == S_OK && text.rfind(expected_prefix, 0) == 0) {
      ++finished;
    } else if (bad++ == 0) {
      first = "finish " + std::to_string(i) + " " + hex(hr) + " " + text;
    }
    objects[i]->Release();
  }
  return "amany begun=" + std::to_string(begun) + " finished=" + std::to_string(finished) +
         " bad=" + std::to_string(bad) + " outstanding=" + std::to_string(AsyncCallEngine::instance().outstanding()) +
         " first=" + first;
}

std::string AsyncCalls::command(const std::string& line) {
  std::istringstream in(line);
  std::string word, name;
  in >> word;
  if (word == "acreatechecks") return create_checks();
  if (word == "aimp") {
    uid_t uid = 0;
    in >> uid;
    impersonating_.reset();
    auto token = identity::Token::for_uid(uid, identity::ImpersonationLevel::kImpersonate, uid);
    if (!token.ok()) return "aimp hr=" + hex(status_to_hresult(token.status()));
    auto scope = identity::impersonate(*token);
    if (!scope.ok()) return "aimp hr=" + hex(status_to_hresult(scope.status()));
    impersonating_.emplace(std::move(*scope));
    return "aimp hr=00000000";
  }
  if (word == "aexport") {
    auto* local = new SecurityProbe();
    const std::string objref = marshal_to_hex(local, IID_ISecurityProbe);
    local->Release();  // the exporter keeps it while the marshaled reference lives
    return "aexport " + objref;
  }
  if (word == "arev") {
    impersonating_.reset();
    return "arev";
  }
  if (word == "amany") {
    long count = 0;
    in >> count;
    std::string script;
    std::getline(in >> std::ws, script);
    return many(count, script);
  }
  in >> name;
  if (word == "arelease") {
    if (auto found = calls_.find(name); found != calls_.end()) {
      found->second->Release();
      calls_.erase(found);
    }
    return "arelease outstanding=" + std::to_string(AsyncCallEngine::instance().outstanding());
  }
  HRESULT hr = S_OK;
  IUnknown* object = call(name, hr);
  if (object == nullptr) return word + " hr=" + hex(hr);
  if (word == "abegin") {
    std::string script;
    std::getline(in >> std::ws, script);
    return "abegin hr=" + hex(as<AsyncISecurityProbe>(object, IID_AsyncISecurityProbe)->Begin_Run(script.c_str()));
  }
  if (word == "afinish") {
    char* transcript = nullptr;
    hr = as<AsyncISecurityProbe>(object, IID_AsyncISecurityProbe)->Finish_Run(&transcript);
    std::string out = "afinish hr=" + hex(hr) + " " + (transcript != nullptr ? transcript : "");
    CoTaskMemFree(transcript);
    return out;
  }
  if (word == "await") {
    DWORD ms = 0, flags = 0;  // flags optional, hex
    in >> ms >> std::hex >> flags;
    return "await hr=" + hex(as<ISynchronize>(object, IID_ISynchronize)->Wait(flags, ms));
  }
  if (word == "ahandle") {
    HANDLE handle = nullptr;
    hr = as<ISynchronizeHandle>(object, IID_ISynchronizeHandle)->GetHandle(&handle);
    const DWORD waited = SUCCEEDED(hr) ? WaitForSingleObject(handle, 30'000) : WAIT_FAILED;
    return "ahandle hr=" + hex(hr) + " wait=" + std::to_string(waited);
  }
  if (word == "acancel") {
    ULONG seconds = 0;  // optional
    in >> seconds;
    return "acancel hr=" + hex(as<ICancelMethodCalls>(object, IID_ICancelMethodCalls)->Cancel(seconds));
  }
  if (word == "acopy") {
    // IClientSecurity::CopyProxy on the call object, with one of its own interfaces, then with NULLs.
    IUnknown* copy = reinterpret_cast<IUnknown*>(1);
    auto* security = as<IClientSecurity>(object, IID_IClientSecurity);
    hr = security->CopyProxy(as<IUnknown>(object, IID_AsyncISecurityProbe), &copy);
    const HRESULT null_proxy = security->CopyProxy(nullptr, &copy);
    const HRESULT null_out = security->CopyProxy(object, nullptr);
    return "acopy hr=" + hex(hr) + (copy == nullptr ? "/null" : "/set") + " nullproxy=" + hex(null_proxy) +
           " nullout=" + hex(null_out);
  }
  if (word == "atest") return "atest hr=" + hex(as<ICancelMethodCalls>(object, IID_ICancelMethodCalls)->TestCancel());
  if (word == "ablanket") {
    DWORD level = 0, imp = 0, caps = 0;
    in >> level >> imp >> std::hex >> caps;
    return "ablanket hr=" + hex(as<IClientSecurity>(object, IID_IClientSecurity)
                                    ->SetBlanket(object, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr, level, imp,
                                                 nullptr, caps));
  }
  if (word == "aquery") {
    DWORD level = 99, imp = 99, caps = 99;
    hr = as<IClientSecurity>(object, IID_IClientSecurity)
             ->QueryBlanket(object, nullptr, nullptr, nullptr, &level, &imp, nullptr, &caps);
    DWORD proxy_level = 99;
    CoQueryProxyBlanket(probe_, nullptr, nullptr, nullptr, &proxy_level, nullptr, nullptr, nullptr);
    return "aquery hr=" + hex(hr) + " level=" + std::to_string(level) + " imp=" + std::to_string(imp) +
           " caps=" + std::to_string(caps) + " proxy=" + std::to_string(proxy_level);
  }
  return word + " unknown";
}

}  // namespace guise::com::testing
