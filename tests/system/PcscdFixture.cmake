# PcscdFixture.cmake: tests that need the real PC/SC stack (pcscd + the vpcd reader driver).
#
#   include(${PROJECT_SOURCE_DIR}/tests/system/PcscdFixture.cmake)
#   mykey_pcsc_test(NAME <test name>
#                   COMMAND <executable or target> [args...]
#                   [LABELS <extra labels>...]        # "system" is always set
#                   [TIMEOUT <seconds>]               # default 300
#                   [WORKING_DIRECTORY <dir>])
#
# Registers a CTest test that
#   - requires the fixture "pcscd" (FIXTURES_REQUIRED): the setup test "pcscd: start" runs
#     `pcscd_fixture.sh start` before it (starts `pcscd -f`, or reuses a running pcscd), the cleanup
#     test "pcscd: stop" runs after the last such test (stops pcscd only if a fixture started it
#     and no other build tree is using it);
#   - holds RESOURCE_LOCK "vpcd": vpcd has one card per slot, so these tests never run in
#     parallel with each other (ctest -j is safe);
#   - has LABELS "system" (plus LABELS given);
#   - sees MYKEY_PCSCD_FIXTURE (the script) and MYKEY_PCSCD_STATE_DIR (its state dir:
#     pcscd.log, pcscd.pid) in its environment, for tests that restart pcscd
#     (mykey::testing_pcsc: StopFixturePcscd/StartFixturePcscd).
#
# In the test, wait for readers and cards with a ReaderMonitor (mykey::testing_pcsc:
# WaitForVpcdReaders, VpcdCardSlot), never with sleeps. vpcd slot 0 is "Virtual PCD 00 00" on TCP
# 35963, slot 1 "Virtual PCD 00 01" on 35964.
#
# `ctest -L system` pulls in the fixture's setup and cleanup tests by itself. Runs as root
# (/run/pcscd). Safe to include more than once.
include_guard(GLOBAL)

# Global properties, not variables: include_guard(GLOBAL) skips this file when a
# second directory includes it, and variables would not reach that directory.
set_property(GLOBAL PROPERTY MYKEY_PCSCD_FIXTURE_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/pcscd_fixture.sh)
set_property(GLOBAL PROPERTY MYKEY_PCSCD_STATE_DIR ${CMAKE_BINARY_DIR}/pcscd)

# Adds the fixture's setup and cleanup tests once per build tree.
function(_mykey_pcscd_fixture_tests)
  get_property(MYKEY_PCSCD_FIXTURE_SCRIPT GLOBAL PROPERTY MYKEY_PCSCD_FIXTURE_SCRIPT)
  get_property(MYKEY_PCSCD_STATE_DIR GLOBAL PROPERTY MYKEY_PCSCD_STATE_DIR)
  get_property(defined GLOBAL PROPERTY MYKEY_PCSCD_FIXTURE_DEFINED)
  if(defined)
    return()
  endif()
  set_property(GLOBAL PROPERTY MYKEY_PCSCD_FIXTURE_DEFINED TRUE)
  add_test(NAME "pcscd: start"
           COMMAND sh ${MYKEY_PCSCD_FIXTURE_SCRIPT} start ${MYKEY_PCSCD_STATE_DIR})
  add_test(NAME "pcscd: stop"
           COMMAND sh ${MYKEY_PCSCD_FIXTURE_SCRIPT} stop ${MYKEY_PCSCD_STATE_DIR})
  set_tests_properties("pcscd: start" PROPERTIES FIXTURES_SETUP pcscd LABELS fixture TIMEOUT 90)
  set_tests_properties("pcscd: stop" PROPERTIES FIXTURES_CLEANUP pcscd LABELS fixture TIMEOUT 90)
endfunction()

function(mykey_pcsc_test)
  cmake_parse_arguments(P "" "NAME;TIMEOUT;WORKING_DIRECTORY" "COMMAND;LABELS" ${ARGN})
  if(NOT P_NAME OR NOT P_COMMAND)
    message(FATAL_ERROR "mykey_pcsc_test: NAME and COMMAND are required")
  endif()
  if(NOT P_TIMEOUT)
    set(P_TIMEOUT 300)
  endif()
  _mykey_pcscd_fixture_tests()
  get_property(MYKEY_PCSCD_FIXTURE_SCRIPT GLOBAL PROPERTY MYKEY_PCSCD_FIXTURE_SCRIPT)
  get_property(MYKEY_PCSCD_STATE_DIR GLOBAL PROPERTY MYKEY_PCSCD_STATE_DIR)
  set(labels system ${P_LABELS})
  if(P_WORKING_DIRECTORY)
    add_test(NAME ${P_NAME} COMMAND ${P_COMMAND} WORKING_DIRECTORY ${P_WORKING_DIRECTORY})
  else()
    add_test(NAME ${P_NAME} COMMAND ${P_COMMAND})
  endif()
  set_tests_properties(${P_NAME} PROPERTIES
    FIXTURES_REQUIRED pcscd
    RESOURCE_LOCK vpcd
    LABELS "${labels}"
    TIMEOUT ${P_TIMEOUT}
    ENVIRONMENT "MYKEY_PCSCD_FIXTURE=${MYKEY_PCSCD_FIXTURE_SCRIPT};MYKEY_PCSCD_STATE_DIR=${MYKEY_PCSCD_STATE_DIR}")
endfunction()
