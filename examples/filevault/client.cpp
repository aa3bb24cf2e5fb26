// filevault-client: one call to the file vault (or to a relay serving IFileVault), as the uid it
// runs as. For people and for the demo: it prints
//   hr=<8 hex digits>          the HRESULT (activation's, when activation failed: stage=activate)
//   stage=activate|call
//   out=<result>               the text the method returned ("\n" as "\\n")
//
//   filevault-client [--clsid {GUID}] [--authn LEVEL] [--imp LEVEL] OP [ARG...]
//     OP: read NAME | write NAME TEXT | list | delete NAME | whoami | stats
//     LEVEL numbers are RPC_C_AUTHN_LEVEL_* (default 6, PKT_PRIVACY) and RPC_C_IMP_LEVEL_* (default 3,
//     IMPERSONATE: 1 anonymous, 2 identify, 4 delegate).
// Exit codes: 0 the call returned S_OK, 1 it returned a failure, 3 bad arguments.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/utf16.h"
#include "filevault.h"
#include "guise/objbase.h"

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

std::string take(LPWSTR text) {
  std::string out = text == nullptr ? std::string() : guise::utf16_to_utf8(text);
  CoTaskMemFree(text);
  return out;
}

int usage() {
  std::fprintf(stderr,
               "usage: filevault-client [--clsid {GUID}] [--authn LEVEL] [--imp LEVEL] "
               "read NAME | write NAME TEXT | list | delete NAME | whoami | stats\n");
  return 3;
}

int report(const char* stage, HRESULT hr, const std::string& out) {
  std::printf("hr=%08x\nstage=%s\nout=%s\n", static_cast<unsigned>(hr), stage, escape(out).c_str());
  return SUCCEEDED(hr) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLSID clsid = CLSID_FileVault;
  DWORD authn = RPC_C_AUTHN_LEVEL_PKT_PRIVACY;
  DWORD imp = RPC_C_IMP_LEVEL_IMPERSONATE;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--clsid" || arg == "--authn" || arg == "--imp") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--clsid") {
        if (FAILED(CLSIDFromString(guise::utf8_to_utf16(value).c_str(), &clsid))) return usage();
      } else {
        (arg == "--authn" ? authn : imp) = static_cast<DWORD>(std::stoul(value));
      }
    } else {
      words.push_back(arg);
    }
  }
  if (words.empty()) return usage();
  const std::string& op = words[0];
  const std::size_t needs = op == "write" ? 3 : (op == "read" || op == "delete") ? 2 : 1;
  if (words.size() != needs || (op != "read" && op != "write" && op != "delete" && op != "list" &&
                                op != "whoami" && op != "stats")) {
    return usage();
  }

  // A command-line tool: the runtime's start-up notes (a client holds no CAP_SETUID, and needs none)
  // only when GUISE_LOG_LEVEL asks for them.
  if (std::getenv("GUISE_LOG_LEVEL") == nullptr) guise::log::set_level(guise::log::Level::kError);
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return report("init", E_FAIL, "");
  // The blanket every proxy of this process starts with: the levels this client grants the server.
  HRESULT hr = CoInitializeSecurity(nullptr, -1, nullptr, nullptr, authn, imp, nullptr, EOAC_NONE, nullptr);
  if (FAILED(hr)) return report("init", hr, "");
  IFileVault* vault = nullptr;
  hr = CoCreateInstance(clsid, nullptr, CLSCTX_LOCAL_SERVER, IID_IFileVault, reinterpret_cast<void**>(&vault));
  if (FAILED(hr)) {
    CoUninitialize();
    return report("activate", hr, "");
  }
  std::string out;
  const std::u16string name = words.size() > 1 ? guise::utf8_to_utf16(words[1]) : std::u16string();
  if (op == "read") {
    LPWSTR text = nullptr;
    hr = vault->ReadFile(name.c_str(), &text);
    out = take(text);
  } else if (op == "write") {
    hr = vault->WriteFile(name.c_str(), guise::utf8_to_utf16(words[2]).c_str());
  } else if (op == "delete") {
    hr = vault->DeleteFile(name.c_str());
  } else if (op == "list") {
    LPWSTR text = nullptr;
    hr = vault->ListFiles(&text);
    out = take(text);
  } else if (op == "whoami") {
    LPWSTR text = nullptr;
    hr = vault->WhoAmI(&text);
    out = take(text);
  } else {
    DWORD files = 0, bytes = 0;
    hr = vault->Stats(&files, &bytes);
    if (SUCCEEDED(hr)) out = "files=" + std::to_string(files) + " bytes=" + std::to_string(bytes);
  }
  vault->Release();
  CoUninitialize();
  return report("call", hr, out);
}
