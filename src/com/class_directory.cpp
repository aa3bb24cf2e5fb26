#include "com/class_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "base/guid_string.h"
#include "base/log.h"
#include "com/random_ids.h"
#include "com/remote_oxid.h"
#include "guise/winerror.h"

namespace guise::com {
namespace {

constexpr char kMagic[8] = {'G', 'U', 'I', 'S', 'E', 'C', 'L', '1'};
constexpr const char* kSystemDirectory = "/run/guise/classes";

Status untrusted(const std::string& what) {
  log::warn("com: class directory: {}; refused", what);
  return Status(StatusCode::kAccessDenied, "com: " + what, CO_E_SERVER_EXEC_FAILURE);
}

std::string entry_name(const CLSID& clsid) { return format_guid_braced(clsid); }

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// mkdir -p for the last two components, 0755, owned by whoever creates them.
Status make_directory(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string parent = path.substr(0, slash);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status(StatusCode::kUnavailable, "com: cannot create " + parent + ": " + std::strerror(errno),
                    HRESULT_FROM_WIN32(3));  // ERROR_PATH_NOT_FOUND
    }
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status(StatusCode::kUnavailable, "com: cannot create " + path + ": " + std::strerror(errno),
                  HRESULT_FROM_WIN32(3));
  }
  return Status::Ok();
}

// The directory's owner if it is a directory nobody but its owner can write to.
Result<uid_t> trusted_directory_owner(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status(StatusCode::kNotFound, "com: no class directory " + path, REGDB_E_CLASSNOTREG);
  }
  if (!S_ISDIR(st.st_mode)) return untrusted(path + " is not a directory");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return untrusted(path + " is writable by others");
  return st.st_uid;
}

}  // namespace

Result<std::string> class_publish_directory() {
  std::string path;
  if (auto configured = env("GUISE_COM_CLASS_DIR")) {
    path = *configured;
  } else if (::geteuid() == 0) {
    path = kSystemDirectory;
  } else if (auto runtime_dir = env("XDG_RUNTIME_DIR")) {
    path = *runtime_dir + "/guise/classes";
  } else {
    return Status(StatusCode::kNotFound, "com: no class directory (not root, no XDG_RUNTIME_DIR)", HRESULT_FROM_WIN32(3));
  }
  GUISE_RETURN_IF_ERROR(make_directory(path));
  GUISE_TRY(uid_t owner, trusted_directory_owner(path));
  if (owner != ::geteuid() && owner != 0) return untrusted(path + " belongs to uid " + std::to_string(owner));
  return path;
}

std::vector<std::string> class_lookup_directories() {
  if (auto configured = env("GUISE_COM_CLASS_DIR")) return {*configured};
  std::vector<std::string> out;
  if (auto runtime_dir = env("XDG_RUNTIME_DIR")) out.push_back(*runtime_dir + "/guise/classes");
  out.emplace_back(kSystemDirectory);
  return out;
}

Status publish_class_entry(const std::string& directory, const CLSID& clsid, std::span<const std::byte> objref) {
  const std::string target = directory + "/" + entry_name(clsid);
  const std::string temp = fmt::format("{}/.{}.{:016x}", directory, entry_name(clsid), random_id64());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status(StatusCode::kUnavailable, "com: cannot write " + temp + ": " + std::strerror(errno), E_ACCESSDENIED);
  }
  std::vector<std::byte> content(reinterpret_cast<const std::byte*>(kMagic), reinterpret_cast<const std::byte*>(kMagic) + 8);
  content.insert(content.end(), objref.begin(), objref.end());
  bool ok = ::fchmod(fd, 0644) == 0;
  std::size_t written = 0;
  while (ok && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    return Status(StatusCode::kUnavailable, "com: cannot publish " + target + ": " + std::strerror(saved), E_ACCESSDENIED);
  }
  return Status::Ok();
}

namespace {

// Reads an entry without following symlinks; the file's owner and content, or why it is refused.
Result<std::pair<uid_t, std::vector<std::byte>>> read_entry(const std::string& path, uid_t directory_owner) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Status(StatusCode::kNotFound, "com: no entry", REGDB_E_CLASSNOTREG);
    return untrusted(path + " cannot be opened safely (" + std::strerror(errno) + ")");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return untrusted(path + " is not a regular file");
  if (st.st_uid != directory_owner && st.st_uid != 0) {
    return untrusted(path + " belongs to uid " + std::to_string(st.st_uid) + ", not the directory's owner");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return untrusted(path + " is writable by others");
  if (st.st_size < 8 || static_cast<std::size_t>(st.st_size) > kMaxClassEntryBytes) return untrusted(path + " has a bad size");
  std::vector<std::byte> content(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < content.size()) {
    const ssize_t n = ::read(fd, content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return untrusted(path + " could not be read");
    got += static_cast<std::size_t>(n);
  }
  if (std::memcmp(content.data(), kMagic, 8) != 0) return untrusted(path + " is not a class entry");
  return std::pair{st.st_uid, std::move(content)};
}

}  // namespace

void remove_class_entry(const std::string& directory, const CLSID& clsid, std::span<const std::byte> objref) {
  const std::string path = directory + "/" + entry_name(clsid);
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0) return;
  auto entry = read_entry(path, st.st_uid);
  if (!entry.ok()) return;
  const auto& content = entry->second;
  if (content.size() != objref.size() + 8 || std::memcmp(content.data() + 8, objref.data(), objref.size()) != 0) {
    return;  // another server published this class since: leave its entry alone
  }
  ::unlink(path.c_str());
}

Result<std::optional<ClassEntry>> find_class_entry(const CLSID& clsid, const ComLimits& limits) {
  for (const std::string& directory : class_lookup_directories()) {
    auto owner = trusted_directory_owner(directory);
    if (!owner.ok()) {
      if (owner.status().code() == StatusCode::kNotFound) continue;
      return std::move(owner).status();
    }
    const std::string path = directory + "/" + entry_name(clsid);
    auto entry = read_entry(path, *owner);
    if (!entry.ok()) {
      if (entry.status().code() == StatusCode::kNotFound) continue;
      return std::move(entry).status();
    }
    auto objref = decode_objref(std::span(entry->second).subspan(8), limits);
    if (!objref.ok()) return untrusted(path + " holds a malformed OBJREF");
    auto binding = OxidTable::pick_binding(objref->resolver);
    if (!binding || !binding->is_local()) return untrusted(path + " names no ncalrpc endpoint on this host");
    return std::optional<ClassEntry>(ClassEntry{std::move(*objref), entry->first, path});
  }
  return std::optional<ClassEntry>();
}

}  // namespace guise::com
