# NDR bytes from guise's generated stubs compared with Debian's python3-impacket NDR classes.
guise_add_idl(ndr_interop_idl ${CMAKE_CURRENT_LIST_DIR}/ndr_interop.idl)
guise_add_gtest(ndr_impacket_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ndr_impacket_test.cpp
  LIBS ndr_interop_idl guise_idl_system
  LABELS interop)
target_compile_definitions(ndr_impacket_test PRIVATE
  GUISE_NDR_IMPACKET_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/ndr_impacket.py")
