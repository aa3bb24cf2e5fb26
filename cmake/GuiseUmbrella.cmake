# guise::guise: one target for everything guise builds. Linking it gives every layer's library and
# headers, the system interfaces' generated proxies and stubs (guise::idl_system), and, once it exists,
# the COM runtime (guise::com) — the one line a ported COM server or client needs:
#   target_link_libraries(my_server PRIVATE guise::guise)
# The per-layer targets (guise::base, guise::identity, guise::ndr, guise::rpc, guise::com,
# guise::idl_system) stay available for programs that want less. The GSSAPI provider
# (guise::rpc_gssapi: Kerberos, NTLM, SPNEGO, with krb5 and nettle) comes with guise::com, which
# authenticates COM over TCP through it. Included after every layer.
get_property(guise_layer_targets GLOBAL PROPERTY GUISE_EXPORT_TARGETS)
add_library(guise INTERFACE)
add_library(guise::guise ALIAS guise)
set_target_properties(guise PROPERTIES EXPORT_NAME guise)
foreach(t IN LISTS guise_layer_targets)
  get_target_property(t_type ${t} TYPE)
  if(t_type MATCHES "LIBRARY$" AND NOT t STREQUAL "guise_rpc_gssapi")
    target_link_libraries(guise INTERFACE ${t})
  endif()
endforeach()
set_property(GLOBAL APPEND PROPERTY GUISE_EXPORT_TARGETS guise)
