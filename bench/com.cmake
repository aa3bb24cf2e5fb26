# COM: a null method call between processes (MTA→MTA, STA→STA) next to the raw AF_UNIX ping-pong and the RPC
# null call, in one run (docs/performance.md).
if(TARGET guise_com)
  guise_add_idl(guise_com_bench_idl ${CMAKE_CURRENT_SOURCE_DIR}/com_bench.idl)
  # What the COM benchmarks share (objref_hex.h).
  add_library(guise_bench_com_support STATIC objref_hex.cpp)
  guise_target(guise_bench_com_support)
  target_include_directories(guise_bench_com_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})  # objref_hex.h, for bench/peers too
  target_link_libraries(guise_bench_com_support PUBLIC guise_com)
  guise_add_benchmark(com_bench SOURCES com_bench.cpp LIBS guise_bench_com_support guise_com_bench_idl)
endif()

# COM: pipelined asynchronous calls (call objects, Begin_ N then Finish_ N) from one client thread next to
# synchronous calls, against the same server process, in one run (docs/performance.md, docs/async.md).
if(TARGET guise_com)
  guise_add_idl(guise_com_async_bench_idl ${CMAKE_CURRENT_SOURCE_DIR}/com_async_bench.idl)
  guise_add_benchmark(com_async_bench SOURCES com_async_bench.cpp LIBS guise_bench_com_support
                      guise_com_async_bench_idl)
endif()
