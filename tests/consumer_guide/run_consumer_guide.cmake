# cmake -P script: configure and build examples/guide against the guise installed in PREFIX, then run
# it with RUN (tests/guide/run_greeter.sh SERVER CLIENT).
file(REMOVE_RECURSE ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 2 AND out MATCHES "run_greeter: needs root")
    message(STATUS "${out}")  # the test's SKIP_REGULAR_EXPRESSION reports it as skipped
    return()
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja -DCMAKE_PREFIX_PATH=${PREFIX}
    -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
if(NOT EXISTS ${WORK_DIR}/build/greeter_idl_midl/greeter.h)
  message(FATAL_ERROR "guise_add_idl did not generate greeter.h in the consumer's build tree")
endif()
run(${RUN} ${WORK_DIR}/build/greeter-server ${WORK_DIR}/build/greeter-client)
