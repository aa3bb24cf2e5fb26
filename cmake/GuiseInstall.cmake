# Installs the libraries, their headers, the CMake package (find_package(guise CONFIG)) and guise.pc.
# Layers register themselves with: set_property(GLOBAL APPEND PROPERTY GUISE_EXPORT_TARGETS <target>)
include(CMakePackageConfigHelpers)

get_property(guise_export_targets GLOBAL PROPERTY GUISE_EXPORT_TARGETS)
# A guise_add_idl target is an interface over its archive (linked whole): install both; the archive
# keeps the interface's file name (libguise_idl_system.a) for pkg-config.
set(guise_install_targets ${guise_export_targets})
foreach(t IN LISTS guise_export_targets)
  get_target_property(t_archive ${t} GUISE_IDL_ARCHIVE)
  if(t_archive)
    get_target_property(t_export_name ${t} EXPORT_NAME)
    if(NOT t_export_name)
      set(t_export_name ${t})
    endif()
    set_target_properties(${t_archive} PROPERTIES EXPORT_NAME ${t_export_name}_archive OUTPUT_NAME ${t})
    # Export does not rename targets inside $<LINK_LIBRARY>: name the imported archive explicitly.
    target_link_libraries(${t} INTERFACE
                          "$<INSTALL_INTERFACE:$<LINK_LIBRARY:WHOLE_ARCHIVE,guise::${t_export_name}_archive>>")
    list(APPEND guise_install_targets ${t_archive})
  endif()
endforeach()
install(TARGETS ${guise_install_targets} EXPORT guiseTargets
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

# pkg-config: one module "guise" with every layer, in link order (top layer first). guise_com needs
# guise_rpc_gssapi (COM over TCP), so it is in here too, and guise.pc requires krb5 and nettle.
set(GUISE_PC_LIBS "")
list(REVERSE guise_export_targets)
foreach(t IN LISTS guise_export_targets)
  get_target_property(t_type ${t} TYPE)
  get_target_property(t_archive ${t} GUISE_IDL_ARCHIVE)
  if(t_archive)
    # Linked whole, so generated proxies and stubs register themselves (cmake/GuiseIdl.cmake).
    string(APPEND GUISE_PC_LIBS " -Wl,--whole-archive -l${t} -Wl,--no-whole-archive")
  elseif(t_type MATCHES "LIBRARY$" AND NOT t_type STREQUAL "INTERFACE_LIBRARY")
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
