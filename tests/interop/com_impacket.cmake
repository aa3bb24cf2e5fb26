# impacket (Debian python3-impacket), an independent DCOM client, activates a class of
# guise-com-test-server with IActivation::RemoteActivation over ncacn_ip_tcp and uses the object
# through ORPC: IObjectExporter (ServerAlive2, ResolveOxid2, ComplexPing, SimplePing), ORPCTHIS/ORPCTHAT
# calls on IPIDs, IRemUnknown (RemQueryInterface, RemRelease), all encoded and decoded by impacket.
if(TARGET guise-com-test-server)
  add_test(NAME com_impacket_interop
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/com_impacket_test.py
                   $<TARGET_FILE:guise-com-test-server>)
  set_tests_properties(com_impacket_interop PROPERTIES LABELS "interop;com" TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
