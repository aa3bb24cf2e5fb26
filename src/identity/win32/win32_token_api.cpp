// OpenThreadToken, OpenProcessToken, GetTokenInformation, DuplicateToken over identity's Token and
// the process's HandleTable.
#include <cstring>
#include <optional>
#include <vector>

#include "base/handle_table.h"
#include "guise/processthreadsapi.h"
#include "guise/securitybaseapi.h"
#include "guise/winerror.h"
#include "identity/impersonation.h"
#include "identity/win32/api_support.h"
#include "identity/win32/binary_sid.h"
#include "identity/win32/token_object.h"

namespace guise::identity::win32 {

std::shared_ptr<TokenObject> find_token(HANDLE handle) { return HandleTable::process().find_as<TokenObject>(handle); }

std::optional<ImpersonationLevel> level_from_win32(int level) noexcept {
  if (level < SecurityAnonymous || level > SecurityDelegation) return std::nullopt;
  return static_cast<ImpersonationLevel>(level + 1);
}

namespace {

constexpr GENERIC_MAPPING kTokenMapping{TOKEN_READ, TOKEN_WRITE, TOKEN_EXECUTE, TOKEN_ALL_ACCESS};
constexpr DWORD kGroupAttributes = SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED;

// The access a handle to one's own token is opened with. A token's default DACL grants its user and
// the system everything, which is who opens it here (the thread as itself, or as the process).
std::optional<ACCESS_MASK> token_access(DWORD desired, DWORD& error) {
  if (desired & ACCESS_SYSTEM_SECURITY) {
    error = ERROR_PRIVILEGE_NOT_HELD;
    return std::nullopt;
  }
  DWORD mapped = desired & ~MAXIMUM_ALLOWED;
  GENERIC_MAPPING mapping = kTokenMapping;
  MapGenericMask(&mapped, &mapping);
  if (mapped & ~TOKEN_ALL_ACCESS) {
    error = ERROR_ACCESS_DENIED;
    return std::nullopt;
  }
  return (desired & MAXIMUM_ALLOWED) ? mapped | TOKEN_ALL_ACCESS : mapped;
}

BOOL publish(std::shared_ptr<TokenObject> token, PHANDLE out) {
  *out = HandleTable::process().insert(std::move(token));
  return TRUE;
}

// Lays out one TOKEN_* structure: a fixed head followed by SIDs, pointers aimed into the caller's
// buffer. Nothing touches the buffer until it is known to be large enough.
class InfoWriter {
 public:
  explicit InfoWriter(std::size_t head_size) : bytes_(head_size) {}

  // Appends a SID and returns the offset it will have.
  std::size_t add_sid(const Sid& sid) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + encoded_size(sid));
    encode_sid(sid, bytes_.data() + at);
    return at;
  }
  template <class T>
  void put(std::size_t at, const T& value) {
    std::memcpy(bytes_.data() + at, &value, sizeof value);
  }
  std::size_t size() const { return bytes_.size(); }

  // Copies into `out` (size() bytes), with every recorded pointer relocated to `out`.
  void copy_to(std::uint8_t* out) {
    for (auto [pointer_at, target] : pointers_) {
      PSID value = out + target;
      put(pointer_at, value);
    }
    std::memcpy(out, bytes_.data(), bytes_.size());
  }
  // Records that the PSID at `pointer_at` points at offset `target`.
  void point(std::size_t pointer_at, std::size_t target) { pointers_.emplace_back(pointer_at, target); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::vector<std::pair<std::size_t, std::size_t>> pointers_;
};

InfoWriter single_sid(std::size_t head_size, std::size_t pointer_at, const Sid& sid) {
  InfoWriter writer(head_size);
  writer.point(pointer_at, writer.add_sid(sid));
  return writer;
}

InfoWriter groups_of(const Token& token) {
  const std::vector<Sid>& groups = token.group_sids();
  const std::size_t head =
      std::max(sizeof(TOKEN_GROUPS), offsetof(TOKEN_GROUPS, Groups) + groups.size() * sizeof(SID_AND_ATTRIBUTES));
  InfoWriter writer(head);
  writer.put(offsetof(TOKEN_GROUPS, GroupCount), static_cast<DWORD>(groups.size()));
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::size_t entry = offsetof(TOKEN_GROUPS, Groups) + i * sizeof(SID_AND_ATTRIBUTES);
    writer.put(entry + offsetof(SID_AND_ATTRIBUTES, Attributes), kGroupAttributes);
    writer.point(entry + offsetof(SID_AND_ATTRIBUTES, Sid), writer.add_sid(groups[i]));
  }
  return writer;
}

Sid primary_group_of(const Token& token) {
  return token.is_anonymous() ? token.user_sid() : Sid::unix_group(token.gid());
}

}  // namespace
}  // namespace guise::identity::win32

using guise::identity::win32::fail;

extern "C" BOOL WINAPI OpenProcessToken(HANDLE ProcessHandle, DWORD DesiredAccess, PHANDLE TokenHandle) {
  using namespace guise::identity::win32;
  if (TokenHandle == nullptr) return fail(ERROR_NOACCESS);
  if (ProcessHandle != GetCurrentProcess()) return fail(ERROR_INVALID_HANDLE);
  DWORD error = 0;
  const auto access = token_access(DesiredAccess, error);
  if (!access) return fail(error);
  return publish(std::make_shared<TokenObject>(guise::identity::Token::process(), TokenPrimary, *access), TokenHandle);
}

extern "C" BOOL WINAPI OpenThreadToken(HANDLE ThreadHandle, DWORD DesiredAccess, BOOL OpenAsSelf, PHANDLE TokenHandle) {
  using namespace guise::identity::win32;
  using guise::identity::ImpersonationLevel;
  if (TokenHandle == nullptr) return fail(ERROR_NOACCESS);
  if (ThreadHandle != GetCurrentThread()) return fail(ERROR_INVALID_HANDLE);
  std::optional<guise::identity::Token> token = guise::identity::thread_token();
  if (!token) return fail(ERROR_NO_TOKEN);
  if (token->level() == ImpersonationLevel::kAnonymous || token->is_anonymous()) {
    return fail(ERROR_CANT_OPEN_ANONYMOUS);
  }
  // Opening as the thread means opening as an identify-level caller, who may not open objects.
  if (token->level() == ImpersonationLevel::kIdentify && !OpenAsSelf) return fail(ERROR_BAD_IMPERSONATION_LEVEL);
  DWORD error = 0;
  const auto access = token_access(DesiredAccess, error);
  if (!access) return fail(error);
  return publish(std::make_shared<TokenObject>(*std::move(token), TokenImpersonation, *access), TokenHandle);
}

extern "C" BOOL WINAPI GetTokenInformation(HANDLE TokenHandle, TOKEN_INFORMATION_CLASS TokenInformationClass,
                                           LPVOID TokenInformation, DWORD TokenInformationLength, PDWORD ReturnLength) {
  using namespace guise::identity::win32;
  const auto object = find_token(TokenHandle);
  if (object == nullptr) return fail(ERROR_INVALID_HANDLE);
  if (ReturnLength == nullptr) return fail(ERROR_NOACCESS);
  if (!object->grants(TOKEN_QUERY)) return fail(ERROR_ACCESS_DENIED);
  const guise::identity::Token& token = object->token();

  std::optional<InfoWriter> info;
  switch (TokenInformationClass) {
    case TokenUser:
      info = single_sid(sizeof(TOKEN_USER), offsetof(TOKEN_USER, User) + offsetof(SID_AND_ATTRIBUTES, Sid),
                        token.user_sid());
      break;
    case TokenGroups: info = groups_of(token); break;
    case TokenOwner: info = single_sid(sizeof(TOKEN_OWNER), offsetof(TOKEN_OWNER, Owner), token.user_sid()); break;
    case TokenPrimaryGroup:
      info =
          single_sid(sizeof(TOKEN_PRIMARY_GROUP), offsetof(TOKEN_PRIMARY_GROUP, PrimaryGroup), primary_group_of(token));
      break;
    case TokenPrivileges:
      info.emplace(sizeof(TOKEN_PRIVILEGES));  // PrivilegeCount 0: guise tokens hold no privileges
      break;
    case TokenType:
      info.emplace(sizeof(TOKEN_TYPE));
      info->put(0, object->type());
      break;
    case TokenImpersonationLevel:
      if (object->type() != TokenImpersonation) return fail(ERROR_INVALID_PARAMETER);
      info.emplace(sizeof(SECURITY_IMPERSONATION_LEVEL));
      info->put(0, object->level());
      break;
    default:
      return fail(TokenInformationClass > 0 && TokenInformationClass < MaxTokenInfoClass ? ERROR_NOT_SUPPORTED
                                                                                         : ERROR_INVALID_PARAMETER);
  }
  const auto needed = static_cast<DWORD>(info->size());
  *ReturnLength = needed;
  if (TokenInformationLength < needed) return fail(ERROR_INSUFFICIENT_BUFFER);
  if (TokenInformation == nullptr) return fail(ERROR_NOACCESS);
  info->copy_to(static_cast<std::uint8_t*>(TokenInformation));
  return TRUE;
}

extern "C" BOOL WINAPI DuplicateToken(HANDLE ExistingTokenHandle, SECURITY_IMPERSONATION_LEVEL ImpersonationLevel,
                                      PHANDLE DuplicateTokenHandle) {
  using namespace guise::identity::win32;
  if (DuplicateTokenHandle == nullptr) return fail(ERROR_NOACCESS);
  const auto existing = find_token(ExistingTokenHandle);
  if (existing == nullptr) return fail(ERROR_INVALID_HANDLE);
  if (!existing->grants(TOKEN_DUPLICATE)) return fail(ERROR_ACCESS_DENIED);
  const auto level = level_from_win32(ImpersonationLevel);
  if (!level) return fail(ERROR_BAD_IMPERSONATION_LEVEL);
  // An impersonation token can be duplicated down, never up.
  if (existing->type() == TokenImpersonation && ImpersonationLevel > existing->level()) {
    return fail(ERROR_BAD_IMPERSONATION_LEVEL);
  }
  return publish(std::make_shared<TokenObject>(existing->token().with_level(*level), TokenImpersonation,
                                               TOKEN_IMPERSONATE | TOKEN_QUERY),
                 DuplicateTokenHandle);
}
