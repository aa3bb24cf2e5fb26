# Installed beside guiseConfig.cmake (and included by it): the system libraries guise::rpc_gssapi
# links — MIT krb5's GSSAPI (libkrb5-dev) and nettle (nettle-dev) — found through pkg-config under the
# same imported-target names guise's own build used, so the exported link interface resolves.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  if(NOT TARGET PkgConfig::GUISE_KRB5)
    pkg_check_modules(GUISE_KRB5 QUIET IMPORTED_TARGET krb5-gssapi krb5)
  endif()
  if(NOT TARGET PkgConfig::GUISE_NETTLE)
    pkg_check_modules(GUISE_NETTLE QUIET IMPORTED_TARGET nettle)
  endif()
endif()
if(NOT TARGET PkgConfig::GUISE_KRB5 OR NOT TARGET PkgConfig::GUISE_NETTLE)
  message(STATUS "guise: krb5-gssapi or nettle not found through pkg-config; guise::rpc_gssapi cannot be linked")
endif()
