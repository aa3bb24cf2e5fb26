# cmake -P script: configure, build and run tests/consumer_idl/project against the guise installed in
# PREFIX (by InstalledPackage.InstallsIntoAScratchPrefix).
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${PREFIX})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
if(NOT EXISTS ${WORK_DIR}/build/greeter_idl_midl/greeter.h)
  message(FATAL_ERROR "guise_add_idl did not generate greeter.h in the consumer's build tree")
endif()
run(${WORK_DIR}/build/greeter)
if(NOT last_output MATCHES "consumer_idl: Hello, installed guise! \\(version 5\\.7\\)")
  message(FATAL_ERROR "unexpected consumer output: ${last_output}")
endif()
message(STATUS "guise_add_idl works from the installed package")
