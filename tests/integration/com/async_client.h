// async_client.h: guise-callsec-client's asynchronous-call commands (tests only) — call objects made
// with ICallFactory::CreateCall on the probe's proxy, driven one stdin line at a time
// (call_security_client.cpp lists the commands). Single-threaded: the client's main thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "callsec.h"
#include "identity/impersonation.h"

namespace guise::com::testing {

class AsyncCalls {
 public:
  explicit AsyncCalls(ISecurityProbe* probe);
  ~AsyncCalls();
  AsyncCalls(const AsyncCalls&) = delete;
  AsyncCalls& operator=(const AsyncCalls&) = delete;

  bool handles(const std::string& line) const;
  std::string command(const std::string& line);
  // Releases every call object (unfinished calls are abandoned) and ends any impersonation.
  void clear();

 private:
  IUnknown* call(const std::string& name, HRESULT& hr);
  std::string create_checks();
  std::string many(long count, const std::string& script);

  ISecurityProbe* probe_;
  std::map<std::string, IUnknown*> calls_;
  std::optional<identity::ImpersonationScope> impersonating_;
};

}  // namespace guise::com::testing
