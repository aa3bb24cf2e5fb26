# COM: what CoImpersonateClient + CoRevertToSelf add to a call, next to the same call without them and the raw
# syscall floor of the identity switch, in one run (docs/performance.md).
if(TARGET guise_com)
  guise_add_idl(guise_com_impersonation_bench_idl ${CMAKE_CURRENT_SOURCE_DIR}/com_impersonation_bench.idl)
  guise_add_benchmark(com_impersonation_bench SOURCES com_impersonation_bench.cpp
    LIBS guise_bench_com_support guise_identity guise_com_impersonation_bench_idl)
endif()
