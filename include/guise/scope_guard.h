// scope_guard.h: run a cleanup when a scope ends, unless dismissed.
//
// ScopeGuard makes early exits visible: the cleanup runs on every path out of the scope (return,
// exception) exactly once, unless dismiss() was called. Move-only; not thread-safe (one owner).
#pragma once

#include <utility>

namespace guise {

template <class Cleanup>
class [[nodiscard]] ScopeGuard {
 public:
  explicit ScopeGuard(Cleanup cleanup) noexcept(noexcept(Cleanup(std::move(cleanup))))
      : cleanup_(std::move(cleanup)) {}
  ScopeGuard(ScopeGuard&& other) noexcept
      : cleanup_(std::move(other.cleanup_)), active_(std::exchange(other.active_, false)) {}
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  ScopeGuard& operator=(ScopeGuard&&) = delete;
  ~ScopeGuard() {
    if (active_) cleanup_();
  }

  // The cleanup will not run.
  void dismiss() noexcept { active_ = false; }

 private:
  Cleanup cleanup_;
  bool active_ = true;
};

}  // namespace guise
