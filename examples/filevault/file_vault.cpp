#include "file_vault.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <string>

#include "base/utf16.h"
#include "impersonation_scope.h"
#include "thread_uid_line.h"
#include "vault_report.h"

#ifndef ERROR_INVALID_NAME
#define ERROR_INVALID_NAME 123L
#endif
#ifndef ERROR_FILE_TOO_LARGE
#define ERROR_FILE_TOO_LARGE 223L
#endif

namespace filevault {
namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;  // a text vault: bigger files are refused, not truncated

// A vault file name: one path component, no "." or "..", so a caller never names anything outside.
bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
         name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

std::string narrow(LPCWSTR text) { return text == nullptr ? std::string() : guise::utf16_to_utf8(text); }

// What the kernel said, as Windows code expects it: a refusal is ERROR_ACCESS_DENIED (E_ACCESSDENIED).
HRESULT hresult_from_errno(int error) {
  switch (error) {
    case EACCES:
    case EPERM:
    case ELOOP:  // O_NOFOLLOW met a symlink: the vault never follows one
      return HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED);
    case ENOENT:
      return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    case ENOMEM:
      return E_OUTOFMEMORY;
    default:
      return E_FAIL;
  }
}

HRESULT copy_out(const std::string& text, LPWSTR* out) {
  const std::u16string wide = guise::utf8_to_utf16(text);
  auto* buffer = static_cast<LPWSTR>(CoTaskMemAlloc((wide.size() + 1) * sizeof(WCHAR)));
  if (buffer == nullptr) return E_OUTOFMEMORY;
  wide.copy(buffer, wide.size());
  buffer[wide.size()] = u'\0';
  *out = buffer;
  return S_OK;
}

// Reads the whole file at fd (at most kMaxFileBytes).
HRESULT read_all(int fd, std::string& text) {
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return hresult_from_errno(errno);
    }
    if (n == 0) return S_OK;
    if (text.size() + static_cast<std::size_t>(n) > kMaxFileBytes) return HRESULT_FROM_WIN32(ERROR_FILE_TOO_LARGE);
    text.append(chunk, static_cast<std::size_t>(n));
  }
}

HRESULT write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return hresult_from_errno(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return S_OK;
}

// The names in the directory (readdir through a fresh descriptor opened as whoever runs this).
HRESULT list_names(int dir, std::string& names, DWORD* files, DWORD* bytes) {
  const int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return hresult_from_errno(errno);
  DIR* stream = ::fdopendir(fd);
  if (stream == nullptr) {
    const int error = errno;
    ::close(fd);
    return hresult_from_errno(error);
  }
  while (const dirent* entry = ::readdir(stream)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    names += name + "\n";
    if (files != nullptr) ++*files;
    struct stat st {};
    if (bytes != nullptr && ::fstatat(::dirfd(stream), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      *bytes += static_cast<DWORD>(st.st_size);
    }
  }
  ::closedir(stream);
  return S_OK;
}

// Does the caller's token hold `wanted` in the server's descriptor? Call while impersonating.
HRESULT check_access(PSECURITY_DESCRIPTOR access, DWORD wanted) {
  HANDLE token = nullptr;
  // OpenAsSelf: at identify level the token still opens (the check needs only to know the caller).
  if (!OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token)) return HRESULT_FROM_WIN32(GetLastError());
  GENERIC_MAPPING mapping{COM_RIGHTS_EXECUTE, COM_RIGHTS_EXECUTE, COM_RIGHTS_EXECUTE,
                          COM_RIGHTS_EXECUTE | FILEVAULT_RIGHT_ADMIN};
  PRIVILEGE_SET privileges{};
  DWORD privileges_size = sizeof privileges;
  DWORD granted = 0;
  BOOL allowed = FALSE;
  const BOOL ran = AccessCheck(access, token, wanted, &mapping, &privileges, &privileges_size, &granted, &allowed);
  const DWORD error = ran ? ERROR_SUCCESS : GetLastError();
  CloseHandle(token);
  if (!ran) return HRESULT_FROM_WIN32(error);
  return allowed ? S_OK : HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED);
}

}  // namespace

FileVault::FileVault(int vault_dir, PSECURITY_DESCRIPTOR access) : dir_(vault_dir), access_(access) {}

HRESULT STDMETHODCALLTYPE FileVault::ReadFile(LPCWSTR name, LPWSTR* contents) {
  if (contents == nullptr) return E_POINTER;
  *contents = nullptr;
  const CallerView caller = current_caller();
  const std::string file = narrow(name);
  if (!valid_name(file)) {
    write_report("ReadFile", file, caller, thread_uid_line(), HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    return HRESULT_FROM_WIN32(ERROR_INVALID_NAME);
  }
  std::string text;
  std::string uid;
  HRESULT hr;
  {
    ImpersonationScope as_caller;
    uid = thread_uid_line();
    hr = as_caller.status();
    if (SUCCEEDED(hr)) {
      const int fd = ::openat(dir_, file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        hr = hresult_from_errno(errno);
      } else {
        hr = read_all(fd, text);
        ::close(fd);
      }
    }
  }
  if (SUCCEEDED(hr)) hr = copy_out(text, contents);
  write_report("ReadFile", file, caller, uid, hr);
  return hr;
}

HRESULT STDMETHODCALLTYPE FileVault::WriteFile(LPCWSTR name, LPCWSTR contents) {
  const CallerView caller = current_caller();
  const std::string file = narrow(name);
  if (!valid_name(file) || contents == nullptr) {
    write_report("WriteFile", file, caller, thread_uid_line(), E_INVALIDARG);
    return E_INVALIDARG;
  }
  std::string uid;
  HRESULT hr;
  {
    ImpersonationScope as_caller;
    uid = thread_uid_line();
    hr = as_caller.status();
    if (SUCCEEDED(hr)) {
      // Created with the caller's fsuid/fsgid, so the file is the caller's.
      const int fd = ::openat(dir_, file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) {
        hr = hresult_from_errno(errno);
      } else {
        hr = write_all(fd, narrow(contents));
        if (::close(fd) != 0 && SUCCEEDED(hr)) hr = hresult_from_errno(errno);
      }
    }
  }
  write_report("WriteFile", file, caller, uid, hr);
  return hr;
}

HRESULT STDMETHODCALLTYPE FileVault::ListFiles(LPWSTR* names) {
  if (names == nullptr) return E_POINTER;
  *names = nullptr;
  const CallerView caller = current_caller();
  std::string text;
  std::string uid;
  HRESULT hr;
  {
    ImpersonationScope as_caller;
    uid = thread_uid_line();
    hr = as_caller.status();
    if (SUCCEEDED(hr)) hr = list_names(dir_, text, nullptr, nullptr);
  }
  if (SUCCEEDED(hr)) hr = copy_out(text, names);
  write_report("ListFiles", "", caller, uid, hr);
  return hr;
}

HRESULT STDMETHODCALLTYPE FileVault::DeleteFile(LPCWSTR name) {
  const CallerView caller = current_caller();
  const std::string file = narrow(name);
  if (!valid_name(file)) {
    write_report("DeleteFile", file, caller, thread_uid_line(), HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    return HRESULT_FROM_WIN32(ERROR_INVALID_NAME);
  }
  std::string uid;
  HRESULT hr;
  {
    ImpersonationScope as_caller;
    uid = thread_uid_line();
    hr = as_caller.status();
    if (SUCCEEDED(hr) && ::unlinkat(dir_, file.c_str(), 0) != 0) hr = hresult_from_errno(errno);
  }
  write_report("DeleteFile", file, caller, uid, hr);
  return hr;
}

HRESULT STDMETHODCALLTYPE FileVault::WhoAmI(LPWSTR* report) {
  if (report == nullptr) return E_POINTER;
  *report = nullptr;
  // No impersonation: an identify-level caller may ask, and the thread stays the server.
  const CallerView caller = current_caller();
  const std::string uid = thread_uid_line();
  const HRESULT hr = copy_out("principal=" + caller.principal + " levels=" + std::to_string(caller.authn_level) + "/" +
                                  std::to_string(caller.imp_level) + " uid=" + uid,
                              report);
  write_report("WhoAmI", "", caller, uid, hr);
  return hr;
}

HRESULT STDMETHODCALLTYPE FileVault::Stats(DWORD* files, DWORD* bytes) {
  if (files == nullptr || bytes == nullptr) return E_POINTER;
  *files = 0;
  *bytes = 0;
  const CallerView caller = current_caller();
  std::string uid;
  HRESULT hr;
  {
    ImpersonationScope as_caller;
    uid = thread_uid_line();
    hr = as_caller.status();
    if (SUCCEEDED(hr)) hr = check_access(access_, FILEVAULT_RIGHT_ADMIN);
  }
  // Granted: counted as the server (the administrator sees every file, whoever owns it).
  std::string names;
  if (SUCCEEDED(hr)) hr = list_names(dir_, names, files, bytes);
  write_report("Stats", "", caller, uid, hr);
  return hr;
}

guise::ComPtr<IClassFactory> new_file_vault_factory(int vault_dir, PSECURITY_DESCRIPTOR access) {
  return guise::MakeClassFactory([vault_dir, access] { return new (std::nothrow) FileVault(vault_dir, access); });
}

}  // namespace filevault
