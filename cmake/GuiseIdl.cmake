# GuiseIdl.cmake: guise_add_idl(), the one CMake line that turns .idl files into a library.
#
#   guise_add_idl(<target> <file.idl>... [INCLUDE_DIRS <dir>...] [LINK <lib>...] [FUZZ])
#
# Runs guise-midl on each file at build time (outputs only in the build tree, under
# ${CMAKE_CURRENT_BINARY_DIR}/<target>_midl: foo.h, foo_i.cpp, foo_p.cpp, foo_fuzz.cpp), and builds
# the _i/_p sources into a static archive, <target>_archive. <target> itself is what you link: it gives
# the generated headers' directory, the NDR runtime, and the archive linked whole
# (--whole-archive), so the proxies and stubs register themselves at static initialisation in every
# program that links <target>, directly or through other static libraries, even when no code names
# them: as on Windows, a ported program makes no registration call. Imports are searched beside each
# .idl, in INCLUDE_DIRS, and in guise's own system IDL directory (unknwn.idl, orpc.idl, remunkn.idl...).
#
# Works in guise's own tree (the guise-midl and guise_ndr targets) and from an installed guise
# (find_package(guise CONFIG): guise::guise-midl and guise::ndr). In guise's tree, each interface
# file also gets a libFuzzer target when fuzzers are enabled; elsewhere pass FUZZ to get
# <target>_fuzz (needs clang).
include_guard(GLOBAL)

if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/idl")
  set(GUISE_IDL_DIR "${CMAKE_CURRENT_LIST_DIR}/idl" CACHE INTERNAL "guise system IDL directory")
else()
  set(GUISE_IDL_DIR "${CMAKE_CURRENT_LIST_DIR}/../idl" CACHE INTERNAL "guise system IDL directory")
endif()

function(guise_add_idl target)
  cmake_parse_arguments(arg "FUZZ" "" "INCLUDE_DIRS;LINK" ${ARGN})
  set(idl_files ${arg_UNPARSED_ARGUMENTS})
  if(NOT idl_files)
    message(FATAL_ERROR "guise_add_idl(${target}): no .idl files given")
  endif()
  if(TARGET guise-midl)
    set(midl $<TARGET_FILE:guise-midl>)
    set(midl_dep guise-midl)
    set(ndr_lib guise_ndr)
    set(in_tree TRUE)
  elseif(TARGET guise::guise-midl)
    set(midl $<TARGET_FILE:guise::guise-midl>)
    set(midl_dep guise::guise-midl)
    set(ndr_lib guise::ndr)
    set(in_tree FALSE)
  else()
    message(FATAL_ERROR "guise_add_idl: neither the guise-midl target nor guise::guise-midl exists "
                        "(find_package(guise CONFIG) first)")
  endif()

  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_midl)
  file(MAKE_DIRECTORY ${out_dir})
  set(include_args "")
  set(idl_deps "")
  foreach(dir IN LISTS arg_INCLUDE_DIRS GUISE_IDL_DIR)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND include_args -I${dir})
    file(GLOB dir_idl "${dir}/*.idl")
    list(APPEND idl_deps ${dir_idl})
  endforeach()

  set(sources "")
  set(headers "")
  set(fuzz_sources "")
  foreach(idl IN LISTS idl_files)
    get_filename_component(idl_abs "${idl}" ABSOLUTE)
    get_filename_component(name "${idl}" NAME_WE)
    get_filename_component(idl_dir "${idl_abs}" DIRECTORY)
    file(GLOB sibling_idl "${idl_dir}/*.idl")
    set(outs ${out_dir}/${name}.h ${out_dir}/${name}_i.cpp ${out_dir}/${name}_p.cpp ${out_dir}/${name}_fuzz.cpp)
    add_custom_command(
      OUTPUT ${outs}
      COMMAND ${midl} -o ${out_dir} ${include_args} ${idl_abs}
      DEPENDS ${idl_abs} ${midl_dep} ${sibling_idl} ${idl_deps}
      COMMENT "guise-midl ${name}.idl"
      VERBATIM)
    list(APPEND sources ${out_dir}/${name}_i.cpp ${out_dir}/${name}_p.cpp)
    list(APPEND headers ${out_dir}/${name}.h)
    list(APPEND fuzz_sources ${out_dir}/${name}_fuzz.cpp)
  endforeach()

  # A plain static archive would let the linker drop foo_p.o whenever nothing names a symbol in it,
  # and its registration with it; linking the archive whole keeps every object.
  add_library(${target}_archive STATIC ${sources} ${headers})
  target_compile_features(${target}_archive PUBLIC cxx_std_20)
  target_include_directories(${target}_archive PUBLIC $<BUILD_INTERFACE:${out_dir}>)
  target_link_libraries(${target}_archive PUBLIC ${ndr_lib} ${arg_LINK})
  set_target_properties(${target}_archive PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(in_tree AND COMMAND guise_target)
    guise_target(${target}_archive)  # warnings are errors for generated code too
  endif()
  add_library(${target} INTERFACE)
  # The installed form (the archive's exported name) is added by cmake/GuiseInstall.cmake.
  target_link_libraries(${target} INTERFACE "$<BUILD_INTERFACE:$<LINK_LIBRARY:WHOLE_ARCHIVE,${target}_archive>>")
  # For install rules (cmake/GuiseInstall.cmake) and callers that install generated headers.
  set_target_properties(${target} PROPERTIES GUISE_IDL_HEADERS "${headers}" GUISE_IDL_ARCHIVE ${target}_archive)

  # One libFuzzer target per interface file: the NDR decoder driven through the generated stubs.
  if(in_tree)
    foreach(src IN LISTS fuzz_sources)
      set_property(GLOBAL APPEND PROPERTY GUISE_IDL_FUZZERS "${target}|${src}")
    endforeach()
  elseif(arg_FUZZ)
    add_executable(${target}_fuzz ${fuzz_sources})
    target_compile_options(${target}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_options(${target}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${target}_fuzz PRIVATE ${target})
  endif()
endfunction()
