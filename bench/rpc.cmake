# RPC: a null call over ncalrpc next to a raw AF_UNIX ping-pong of the same byte counts; calls/s.
if(TARGET guise_rpc)
  guise_add_benchmark(rpc_bench SOURCES rpc_bench.cpp LIBS guise_rpc)
endif()
