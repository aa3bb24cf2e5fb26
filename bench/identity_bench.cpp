// One impersonate+revert cycle through guise next to the bare syscall sequence, in one run.
//
// Both switch a thread from root to uid/gid 41001 with one supplementary group and back. The bare
// sequence is the minimum any correct per-thread switch needs (raw setgroups/setresgid/setresuid
// and back); guise adds its verification reads (getresuid/getresgid/getgroups after each switch)
// and its scope bookkeeping. Needs root.
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "identity/impersonation.h"

namespace {

constexpr uid_t kUid = 41001;
constexpr gid_t kGid = 41001;

void BM_BareSyscalls(benchmark::State& state) {
  if (::geteuid() != 0) {
    state.SkipWithError("needs root");
    return;
  }
  const gid_t caller_groups[] = {kGid};
  gid_t own_groups[64];
  const long own_count = ::syscall(SYS_getgroups, 64, own_groups);
  for (auto _ : state) {
    ::syscall(SYS_setgroups, 1, caller_groups);
    ::syscall(SYS_setresgid, -1, kGid, -1);
    ::syscall(SYS_setresuid, -1, kUid, -1);
    ::syscall(SYS_setresuid, -1, 0, -1);
    ::syscall(SYS_setresgid, -1, 0, -1);
    ::syscall(SYS_setgroups, own_count, own_groups);
  }
}
BENCHMARK(BM_BareSyscalls);

void BM_GuiseImpersonateRevert(benchmark::State& state) {
  if (::geteuid() != 0) {
    state.SkipWithError("needs root");
    return;
  }
  const auto token = guise::identity::Token::for_ids(kUid, kGid, {kGid},
                                                     guise::identity::ImpersonationLevel::kImpersonate);
  for (auto _ : state) {
    auto scope = guise::identity::impersonate(token);
    benchmark::DoNotOptimize(scope.ok());
  }
}
BENCHMARK(BM_GuiseImpersonateRevert);

// The realistic case: the method of a dispatched call impersonates and reverts (the call's
// ProcessIdentityScope already knows the process ids, so nothing is read before the switch; the
// revert is read back when the call ends, and the dumpable flag restored after its reply: the
// settle_dumpable_flag() each iteration stands for that).
void BM_GuiseImpersonateRevertInCall(benchmark::State& state) {
  if (::geteuid() != 0) {
    state.SkipWithError("needs root");
    return;
  }
  const auto token = guise::identity::Token::for_ids(kUid, kGid, {kGid},
                                                     guise::identity::ImpersonationLevel::kImpersonate);
  guise::identity::ProcessIdentityScope call(guise::identity::kCallScope);
  for (auto _ : state) {
    {
      auto scope = guise::identity::impersonate(token);
      benchmark::DoNotOptimize(scope.ok());
    }
    guise::identity::settle_dumpable_flag();
  }
}
BENCHMARK(BM_GuiseImpersonateRevertInCall);

// The bare sequence plus the one kernel read-back guise does after a revert: what guise costs
// beyond the syscalls that decision 5 requires.
void BM_BareSyscallsPlusVerify(benchmark::State& state) {
  if (::geteuid() != 0) {
    state.SkipWithError("needs root");
    return;
  }
  const gid_t caller_groups[] = {kGid};
  gid_t own_groups[64];
  const long own_count = ::syscall(SYS_getgroups, 64, own_groups);
  uid_t r, e, s;
  gid_t g[64];
  for (auto _ : state) {
    ::syscall(SYS_setgroups, 1, caller_groups);
    ::syscall(SYS_setresgid, -1, kGid, -1);
    ::syscall(SYS_setresuid, -1, kUid, -1);
    ::syscall(SYS_setresuid, -1, 0, -1);
    ::syscall(SYS_setresgid, -1, 0, -1);
    ::syscall(SYS_setgroups, own_count, own_groups);
    ::syscall(SYS_getresuid, &r, &e, &s);
    ::syscall(SYS_getresgid, &r, &e, &s);
    benchmark::DoNotOptimize(::syscall(SYS_getgroups, 64, g));
  }
}
BENCHMARK(BM_BareSyscallsPlusVerify);

// What every dispatched call pays when the method does not impersonate (DESIGN decision 5).
void BM_GuiseProcessScope(benchmark::State& state) {
  for (auto _ : state) {
    guise::identity::ProcessIdentityScope call;
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_GuiseProcessScope);

}  // namespace

BENCHMARK_MAIN();
