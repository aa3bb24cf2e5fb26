// memory_budget.h: bytes a peer may make the server hold, as a share of a server-wide budget.
//
// A MemoryBudget counts reserved bytes against its limit and, when it is a share, against its parent
// too: a reservation succeeds only if it fits in every level, and then is counted in every level, so
// the server-wide figure is always the sum of what the shares hold. MemoryReservation is the RAII
// holder: it grows and shrinks its reservation and gives it back when destroyed. A reservation with
// no budget counts its bytes and never refuses (clients and tests reassemble without a budget).
// Thread-safety: MemoryBudget is lock-free and may be shared by any threads; a MemoryReservation
// belongs to one thread at a time. A budget must outlive its shares and reservations.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace guise::rpc {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::size_t limit, MemoryBudget* parent = nullptr) noexcept
      : limit_(limit), parent_(parent) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // All or nothing: here and in every parent.
  [[nodiscard]] bool try_reserve(std::size_t bytes) noexcept {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > limit_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    if (parent_ != nullptr && !parent_->try_reserve(bytes)) {
      used_.fetch_sub(bytes, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  void release(std::size_t bytes) noexcept {
    used_.fetch_sub(bytes, std::memory_order_relaxed);
    if (parent_ != nullptr) parent_->release(bytes);
  }
  std::size_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const noexcept { return limit_; }

 private:
  std::atomic<std::size_t> used_{0};
  const std::size_t limit_;
  MemoryBudget* const parent_;
};

class MemoryReservation {
 public:
  MemoryReservation() = default;
  explicit MemoryReservation(MemoryBudget* budget) noexcept : budget_(budget) {}
  MemoryReservation(MemoryReservation&& other) noexcept
      : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  MemoryReservation& operator=(MemoryReservation&& other) noexcept {
    if (this != &other) {
      reset();
      budget_ = std::exchange(other.budget_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  MemoryReservation(const MemoryReservation&) = delete;
  MemoryReservation& operator=(const MemoryReservation&) = delete;
  ~MemoryReservation() { reset(); }

  // Makes the reservation `bytes` in total; false (unchanged) when the budget cannot give the more.
  [[nodiscard]] bool resize(std::size_t bytes) noexcept {
    if (bytes > bytes_ && budget_ != nullptr && !budget_->try_reserve(bytes - bytes_)) return false;
    if (bytes < bytes_ && budget_ != nullptr) budget_->release(bytes_ - bytes);
    bytes_ = bytes;
    return true;
  }
  std::size_t bytes() const noexcept { return bytes_; }
  void reset() noexcept {
    if (budget_ != nullptr && bytes_ != 0) budget_->release(bytes_);
    bytes_ = 0;
  }

 private:
  MemoryBudget* budget_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace guise::rpc
