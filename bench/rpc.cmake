# RPC: a null call over ncalrpc next to a raw AF_UNIX ping-pong of the same byte counts; calls/s.
if(TARGET guise_rpc)
  guise_add_benchmark(rpc_bench SOURCES rpc_bench.cpp LIBS guise_rpc)
endif()

# What an idle bound connection costs a server, next to a raw epoll server (a plain program, not a
# Google Benchmark one: it measures memory, not time). The smoke run keeps it working.
if(TARGET guise_rpc)
  add_executable(rpc_idle_memory rpc_idle_memory.cpp)
  guise_target(rpc_idle_memory)
  target_link_libraries(rpc_idle_memory PRIVATE guise_rpc Threads::Threads)
  add_test(NAME rpc_idle_memory_smoke COMMAND rpc_idle_memory --connections 50)
  set_tests_properties(rpc_idle_memory_smoke PROPERTIES LABELS "bench;no-sanitizer" TIMEOUT 300)
endif()
