# `cmake --install` layout: bin/ebbflow (top-level CMakeLists.txt), and under share/ebbflow/
# the example cluster configurations, the documentation and packaging/ (systemd units, IAM
# policies, launch template and user data examples). docs/aws.md explains where each goes.
include(GNUInstallDirs)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ebbflow/examples)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ebbflow/docs)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/packaging/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ebbflow/packaging
        PATTERN "check_packaging.py" EXCLUDE)

if(EBBFLOW_BUILD_TESTS)
  find_program(EBBFLOW_PYTHON3 python3 REQUIRED)
  # Every packaging JSON parses, the policies and the launch template say what docs/aws.md
  # promises, and `cmake --install` into a temporary prefix gives the layout above.
  add_test(NAME packaging.check
           COMMAND ${EBBFLOW_PYTHON3} ${CMAKE_SOURCE_DIR}/packaging/check_packaging.py
                   ${CMAKE_SOURCE_DIR}/packaging ${CMAKE_BINARY_DIR})
  set_tests_properties(packaging.check PROPERTIES LABELS "unit" TIMEOUT 120)
endif()
