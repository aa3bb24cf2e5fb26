#include "integration/com/probe_class.h"

#include <mutex>
#include <new>

#include "base/utf16.h"
#include "integration/com/call_security_probe.h"

namespace guise::com::testing {
namespace {

std::mutex g_creator_mu;
std::string g_creator = "none";

void record_creator() {
  RPC_AUTHZ_HANDLE privs = nullptr;
  const HRESULT hr = CoQueryClientBlanket(nullptr, nullptr, nullptr, nullptr, nullptr, &privs, nullptr);
  std::string name = FAILED(hr) ? "error" : privs == nullptr ? "null" : utf16_to_utf8(static_cast<const OLECHAR*>(privs));
  std::lock_guard lock(g_creator_mu);
  g_creator = std::move(name);
}

}  // namespace

ComPtr<IClassFactory> new_probe_factory() {
  return MakeClassFactory([]() -> SecurityProbe* {
    record_creator();
    return new (std::nothrow) SecurityProbe();
  });
}

std::string last_creator() {
  std::lock_guard lock(g_creator_mu);
  return g_creator;
}

}  // namespace guise::com::testing
