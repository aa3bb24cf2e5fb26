# NDR encode+decode of a typical message (3 strings, 100 structures) beside a memcpy of its bytes.
guise_add_idl(ndr_bench_idl ${CMAKE_CURRENT_LIST_DIR}/ndr_bench.idl)
guise_add_benchmark(ndr_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/ndr_bench.cpp LIBS ndr_bench_idl)
