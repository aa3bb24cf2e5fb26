// ndr_bench: cost of NDR marshaling for a typical message (three strings and an array of 100
// structures of 48 wire bytes each, ~5 KiB), measured in the same run as a memcpy of the same bytes,
// the floor any encoding has to pay. Decoding includes freeing what it allocated.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "ndr_bench.h"

namespace {

struct Message {
  std::vector<BENCH_ITEM> items;
  BENCH_MESSAGE msg{};
  Message() : items(100) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      items[i].id = static_cast<LONG>(i);
      items[i].stamp = 1700000000000 + static_cast<hyper>(i);
      items[i].value = 0.5 * static_cast<double>(i);
      items[i].flags = static_cast<SHORT>(i & 7);
      items[i].kind = GUID{0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, static_cast<UCHAR>(i)}};
    }
    msg.name = const_cast<WCHAR*>(u"inventory.snapshot");
    msg.owner = const_cast<WCHAR*>(u"S-1-22-1-1000");
    msg.note = const_cast<char*>("nightly export, shard 7");
    msg.count = static_cast<ULONG>(items.size());
    msg.items = items.data();
  }
};

std::vector<std::byte> encode(const BENCH_MESSAGE& m) {
  guise::ndr::Writer w;
  w.reserve(8192);
  if (!guise::ndr::generated::ndr_put_flat(w, m).ok() || !guise::ndr::generated::ndr_put_deferred(w, m).ok()) {
    std::abort();
  }
  return w.take();
}

void decode(std::span<const std::byte> bytes) {
  guise::ndr::Reader r(bytes);
  BENCH_MESSAGE out{};
  if (!guise::ndr::generated::ndr_get_flat(r, out).ok() || !guise::ndr::generated::ndr_get_deferred(r, out).ok() ||
      !r.expect_end().ok()) {
    std::abort();
  }
  benchmark::DoNotOptimize(out.items);
  guise::ndr::Freer f;
  guise::ndr::generated::ndr_free(out, f);
}

void BM_MemcpySameBytes(benchmark::State& state) {
  Message m;
  const auto bytes = encode(m.msg);
  std::vector<std::byte> dst(bytes.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), bytes.data(), bytes.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["wire_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_MemcpySameBytes);

void BM_NdrEncode(benchmark::State& state) {
  Message m;
  std::size_t size = 0;
  for (auto _ : state) {
    auto bytes = encode(m.msg);
    size = bytes.size();
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_NdrEncode);

void BM_NdrDecode(benchmark::State& state) {
  Message m;
  const auto bytes = encode(m.msg);
  for (auto _ : state) decode(bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_NdrDecode);

void BM_NdrEncodeDecode(benchmark::State& state) {
  Message m;
  std::size_t size = 0;
  for (auto _ : state) {
    auto bytes = encode(m.msg);
    size = bytes.size();
    decode(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_NdrEncodeDecode);

}  // namespace

BENCHMARK_MAIN();
