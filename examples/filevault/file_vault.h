// file_vault.h: FileVault, the COM object behind CLSID_FileVault (filevault.idl). Every file method
// impersonates the caller for the duration of its work (ImpersonationScope), so open/unlink/readdir
// are checked by the kernel against the caller's ids; WhoAmI only reads the call's blanket; Stats is
// granted by AccessCheck of the caller's token against the server's own access descriptor.
// After each call it writes one report line (vault_report.h) naming the caller, the levels, the
// serving thread's kernel Uid: line and the HRESULT. Thread-safe: calls run on any MTA thread.
#pragma once

#include "filevault.h"
#include "guise/implements.h"
#include "guise/windows.h"

namespace filevault {

class FileVault final : public guise::RuntimeClass<IFileVault> {
 public:
  // vault_dir: an open directory (O_PATH or O_RDONLY) that outlives the object; access: the
  // descriptor given to CoInitializeSecurity, for Stats' AccessCheck (not owned, outlives the object).
  FileVault(int vault_dir, PSECURITY_DESCRIPTOR access);

  HRESULT STDMETHODCALLTYPE ReadFile(LPCWSTR name, LPWSTR* contents) override;
  HRESULT STDMETHODCALLTYPE WriteFile(LPCWSTR name, LPCWSTR contents) override;
  HRESULT STDMETHODCALLTYPE ListFiles(LPWSTR* names) override;
  HRESULT STDMETHODCALLTYPE DeleteFile(LPCWSTR name) override;
  HRESULT STDMETHODCALLTYPE WhoAmI(LPWSTR* report) override;
  HRESULT STDMETHODCALLTYPE Stats(DWORD* files, DWORD* bytes) override;

 private:
  ~FileVault() override = default;
  int dir_;
  PSECURITY_DESCRIPTOR access_;
};

// The class object registered with CoRegisterClassObject: makes FileVault objects over the same
// directory and descriptor. Refuses aggregation (CLASS_E_NOAGGREGATION).
guise::ComPtr<IClassFactory> new_file_vault_factory(int vault_dir, PSECURITY_DESCRIPTOR access);

}  // namespace filevault
