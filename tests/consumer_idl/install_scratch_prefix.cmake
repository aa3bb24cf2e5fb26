# cmake -P script: installs this build into a fresh scratch prefix, once for every consumer project that
# builds against it (the fixture guise_installed_prefix: tests/consumer_idl, tests/consumer_guide).
#   cmake -DBUILD_DIR=<guise build> -DPREFIX=<scratch prefix> -P install_scratch_prefix.cmake
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}\n${err}")
endif()
message(STATUS "guise installed into ${PREFIX}")
