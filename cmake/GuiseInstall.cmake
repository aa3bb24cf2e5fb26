# Installs the libraries, their headers, the CMake package (find_package(guise CONFIG)) and guise.pc.
# Layers register themselves with: set_property(GLOBAL APPEND PROPERTY GUISE_EXPORT_TARGETS <target>)
include(CMakePackageConfigHelpers)

get_property(guise_export_targets GLOBAL PROPERTY GUISE_EXPORT_TARGETS)
install(TARGETS ${guise_export_targets} EXPORT guiseTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/guise DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Layer headers keep their "base/status.h" paths under include/guise/layers.
install(DIRECTORY src/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/guise/layers
        FILES_MATCHING PATTERN "*.h")

set(GUISE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/guise)
install(EXPORT guiseTargets NAMESPACE guise:: DESTINATION ${GUISE_CMAKE_DIR})
configure_package_config_file(cmake/guiseConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/guiseConfig.cmake
                              INSTALL_DESTINATION ${GUISE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/guiseConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/guiseConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/guiseConfigVersion.cmake
        DESTINATION ${GUISE_CMAKE_DIR})
get_property(guise_extra_cmake_files GLOBAL PROPERTY GUISE_EXPORT_CMAKE_FILES)
if(guise_extra_cmake_files)
  install(FILES ${guise_extra_cmake_files} DESTINATION ${GUISE_CMAKE_DIR})
endif()

# pkg-config: one module "guise" with every layer, in link order (top layer first).
set(GUISE_PC_LIBS "")
list(REVERSE guise_export_targets)
foreach(t IN LISTS guise_export_targets)
  get_target_property(t_type ${t} TYPE)
  if(t STREQUAL "guise_rpc_gssapi")
    continue()  # its own module, guise-gssapi.pc, which also requires krb5 and nettle
  endif()
  if(t_type MATCHES "LIBRARY$" AND NOT t_type STREQUAL "INTERFACE_LIBRARY")
    string(APPEND GUISE_PC_LIBS " -l${t}")
  endif()
endforeach()
file(RELATIVE_PATH GUISE_PC_UP /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(cmake/guise.pc.in ${CMAKE_CURRENT_BINARY_DIR}/guise.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/guise.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(TARGET guise_rpc_gssapi)
  configure_file(cmake/guise-gssapi.pc.in ${CMAKE_CURRENT_BINARY_DIR}/guise-gssapi.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/guise-gssapi.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
