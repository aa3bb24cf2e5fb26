// Capabilities and impersonation, seen from the kernel: without CAP_SETUID/CAP_SETGID impersonation
// fails closed (spec R27); with them, no capability survives into an impersonation.
#include <gtest/gtest.h>
#include <sys/capability.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "guise/winerror.h"
#include "identity/impersonation.h"
#include "support/child_process.h"
#include "unit/identity/capable_process.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::identity {
namespace {

using testing::read_capabilities;
using testing::read_proc_ids;
using testing::report;
using testing::run_in_child;

// Drops the given capabilities from the calling process's effective and permitted sets.
bool drop_capabilities(std::initializer_list<cap_value_t> values) {
  cap_t caps = ::cap_get_proc();
  if (caps == nullptr) return false;
  std::vector<cap_value_t> list(values);
  const bool ok = ::cap_set_flag(caps, CAP_EFFECTIVE, static_cast<int>(list.size()), list.data(), CAP_CLEAR) == 0 &&
                  ::cap_set_flag(caps, CAP_PERMITTED, static_cast<int>(list.size()), list.data(), CAP_CLEAR) == 0 &&
                  ::cap_set_proc(caps) == 0;
  ::cap_free(caps);
  return ok;
}

std::string ids_line() { return read_proc_ids().uid_line; }

TEST(Capabilities, WithoutSetuidAnotherUidIsRefusedAndTheKernelStillSeesTheProcess) {
  GUISE_REQUIRE_ROOT();
  auto child = run_in_child([] {
    if (!drop_capabilities({CAP_SETUID, CAP_SETGID})) return 10;
    if (can_switch_ids()) return 11;
    const auto before = read_proc_ids();
    auto scope = impersonate(Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kImpersonate));
    if (scope.ok()) return 12;
    report(scope.status().to_string());
    if (scope.status().hresult() != CO_E_FAILEDTOIMPERSONATE) return 13;
    const auto after = read_proc_ids();
    if (after.uid != before.uid || after.gid != before.gid || after.groups != before.groups) return 14;
    if (is_impersonating()) return 15;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST(Capabilities, WithoutSetuidTheProcessOwnIdsAreStillFine) {
  GUISE_REQUIRE_ROOT();
  auto child = run_in_child([] {
    if (!drop_capabilities({CAP_SETUID, CAP_SETGID})) return 10;
    const KernelIds own = KernelIds::of_calling_thread();
    auto scope = impersonate(Token::for_ids(own.euid, own.egid, own.groups, ImpersonationLevel::kImpersonate));
    if (!scope.ok()) {
      report(scope.status().to_string());
      return 12;
    }
    if (!is_impersonating()) return 13;
    // At identify level the kernel view would be nobody: that needs a switch, so it fails.
    auto identify = impersonate(Token::for_ids(own.euid, own.egid, own.groups, ImpersonationLevel::kIdentify));
    if (identify.ok() || identify.status().hresult() != CO_E_FAILEDTOIMPERSONATE) return 14;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST(Capabilities, RefusedLastStepUndoesTheGroupsAndGidAlreadySet) {
  GUISE_REQUIRE_ROOT();
  auto child = run_in_child([] {
    // CAP_SETGID stays, so setgroups and setresgid succeed; setresuid is refused.
    if (!drop_capabilities({CAP_SETUID})) return 10;
    const auto before = read_proc_ids();
    auto scope = impersonate(Token::for_ids(41001, 41001, {41001, 42000}, ImpersonationLevel::kImpersonate));
    if (scope.ok()) return 12;
    report(scope.status().to_string() + "\n" + ids_line());
    if (scope.status().hresult() != CO_E_FAILEDTOIMPERSONATE) return 13;
    const auto after = read_proc_ids();
    if (after.uid != before.uid || after.gid != before.gid || after.groups != before.groups) return 14;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST(Capabilities, ANonRootThreadHoldsNoEffectiveOrAmbientCapabilityWhileImpersonating) {
  GUISE_REQUIRE_ROOT();
  testing::PrivateFiles files;
  const std::string alice_file = files.add("alice", 41001, 41001, 0600);
  const std::string root_file = files.add("root", 0, 0, 0600);
  auto child = run_in_child([&] {
    if (int failed = become_capable_non_root(); failed != 0) return failed;
    if (read_capabilities("CapEff") != kHeld || read_capabilities("CapAmb") != (1ull << CAP_DAC_READ_SEARCH)) return 22;
    if (testing::try_open(root_file) != 0) return 23;  // CAP_DAC_READ_SEARCH at work
    {
      auto scope = impersonate(Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kImpersonate));
      if (!scope.ok()) {
        report(scope.status().to_string());
        return 24;
      }
      report("during: CapEff " + std::to_string(read_capabilities("CapEff")) + " CapAmb " +
             std::to_string(read_capabilities("CapAmb")) + " CapPrm " + std::to_string(read_capabilities("CapPrm")) +
             " " + ids_line() + "\n");
      if (read_capabilities("CapEff") != 0 || read_capabilities("CapAmb") != 0) return 25;
      if (read_capabilities("CapPrm") != kHeld) return 26;  // kept, so the revert can restore
      if (read_proc_ids().uid != std::vector<long>{kServerUid, 41001, kServerUid, 41001}) return 27;
      if (testing::try_open(alice_file) != 0) return 28;
      if (testing::try_open(root_file) != EACCES) return 29;
    }
    if (read_capabilities("CapEff") != kHeld || read_capabilities("CapAmb") != (1ull << CAP_DAC_READ_SEARCH)) return 30;
    if (read_proc_ids().uid != std::vector<long>{kServerUid, kServerUid, kServerUid, kServerUid}) return 31;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST(Capabilities, ANonRootThreadImpersonatingItsOwnUidStillDropsItsCapabilities) {
  GUISE_REQUIRE_ROOT();
  auto child = run_in_child([] {
    if (int failed = become_capable_non_root(); failed != 0) return failed;
    {
      // The caller is the server's own uid, without its capabilities: nothing to switch but those.
      auto scope = impersonate(Token::for_ids(kServerUid, kServerUid, {}, ImpersonationLevel::kImpersonate));
      if (!scope.ok()) return 22;
      if (read_capabilities("CapEff") != 0 || read_capabilities("CapAmb") != 0) return 23;
    }
    if (read_capabilities("CapEff") != kHeld) return 24;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST(Capabilities, AChildForkedWhileANonRootThreadImpersonatesKeepsNoCapability) {
  GUISE_REQUIRE_ROOT();
  auto child = run_in_child([] {
    if (int failed = become_capable_non_root(); failed != 0) return failed;
    auto scope = impersonate(Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kImpersonate));
    if (!scope.ok()) return 22;
    auto grandchild = run_in_child([] {
      report(ids_line() + "\n");
      if (read_capabilities("CapPrm") != 0 || read_capabilities("CapEff") != 0 || read_capabilities("CapAmb") != 0 ||
          read_capabilities("CapInh") != 0) {
        return 1;
      }
      if (read_proc_ids().uid != std::vector<long>{41001, 41001, 41001, 41001}) return 2;
      return ::syscall(SYS_setresuid, kServerUid, kServerUid, kServerUid) == 0 ? 3 : 0;  // no way back
    });
    report(grandchild.output);
    return grandchild.exit_code == 0 ? 0 : 30 + grandchild.exit_code;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

}  // namespace
}  // namespace guise::identity
