// The apartment's work queue: what its descriptor tells a thread that polls it (the kernel's
// answer, not the queue's own state), its bound and close, and that producers racing one consumer
// never leave work behind a descriptor that stays quiet (a lost wake would hang an STA).
#include "com/work_queue.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <thread>
#include <vector>

#include "guise/winerror.h"

namespace guise::com {
namespace {

bool readable(int fd, int timeout_ms = 0) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

std::unique_ptr<WorkQueue> make(std::size_t bound = 16) {
  auto queue = WorkQueue::create(bound);
  EXPECT_TRUE(queue.ok());
  return std::move(queue).value();
}

TEST(WorkQueue, TheDescriptorIsReadableWhileWorkIsQueuedAndQuietOnceTheLastItemIsTaken) {
  auto queue = make();
  EXPECT_FALSE(readable(queue->wake_fd()));
  int ran = 0;
  ASSERT_TRUE(queue->push([&] { ran += 1; }).ok());
  ASSERT_TRUE(queue->push([&] { ran += 10; }).ok());
  EXPECT_TRUE(readable(queue->wake_fd()));
  (*queue->pop())();
  EXPECT_TRUE(readable(queue->wake_fd())) << "one item is still queued";
  (*queue->pop())();
  EXPECT_EQ(ran, 11) << "oldest first, each once";
  EXPECT_FALSE(readable(queue->wake_fd()));
  EXPECT_FALSE(queue->pop().has_value());
  EXPECT_FALSE(readable(queue->wake_fd()));
}

TEST(WorkQueue, TheBoundRefusesWithRetryLaterAndCloseRefusesWithDisconnected) {
  auto queue = make(2);
  ASSERT_TRUE(queue->push([] {}).ok());
  ASSERT_TRUE(queue->push([] {}).ok());
  Status full = queue->push([] {});
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(full.hresult(), RPC_E_SERVERCALL_RETRYLATER);
  EXPECT_EQ(queue->close().size(), 2u) << "close hands back what was queued";
  EXPECT_FALSE(readable(queue->wake_fd())) << "nothing is left to wake for";
  Status gone = queue->push([] {});
  EXPECT_EQ(gone.code(), StatusCode::kUnavailable);
  EXPECT_EQ(gone.hresult(), RPC_E_DISCONNECTED);
  EXPECT_TRUE(queue->closed());
}

// One consumer that sleeps in poll() exactly as an STA does, four producers: every item arrives, and
// no wait ever lasts the 10 s bound (which only a wake lost with work queued could reach).
TEST(WorkQueue, ProducersRacingAConsumerThatPollsNeverStrandWork) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 5000;
  auto queue = make(kProducers * kPerProducer);
  std::atomic<int> ran{0};
  std::vector<std::jthread> producers;  // joined on every way out, a failed ASSERT included
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(queue->push([&] { ran.fetch_add(1); }).ok());
    });
  }
  int spurious = 0;
  int taken = 0;
  while (taken < kProducers * kPerProducer) {
    ASSERT_TRUE(readable(queue->wake_fd(), 10'000)) << "work queued behind a quiet descriptor after " << taken;
    if (std::optional<Work> work = queue->pop()) {
      (*work)();
      ++taken;
    } else {
      ++spurious;  // a ring that arrived after its item was taken; the pop cleared it
    }
    ASSERT_LE(spurious, kProducers * kPerProducer) << "each ring wakes at most once";
  }
  producers.clear();  // joins
  EXPECT_EQ(ran.load(), kProducers * kPerProducer);
  EXPECT_FALSE(queue->pop().has_value());
  EXPECT_FALSE(readable(queue->wake_fd())) << "a drained queue leaves its descriptor quiet";
}

}  // namespace
}  // namespace guise::com
