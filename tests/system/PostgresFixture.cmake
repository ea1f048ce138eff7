# PostgresFixture.cmake: tests that need a real PostgreSQL server (the cloud's store).
#
#   include(${PROJECT_SOURCE_DIR}/tests/system/PostgresFixture.cmake)
#   mykey_postgres_test(NAME <test name>
#                       COMMAND <executable or target> [args...]
#                       [LABELS <extra labels>...]     # "system" is always set
#                       [TIMEOUT <seconds>])           # default 300
#   mykey_postgres_catch_tests(TARGET <Catch2 test target>
#                              [TEST_SPEC <spec>]      # e.g. "*PostgresBackend"
#                              [TEST_PREFIX <prefix>]
#                              [LABELS <extra labels>...])  # "system" is always set
#
# The tests require the fixture "postgres" (FIXTURES_REQUIRED): the setup test
# "postgres: start" runs `postgres_fixture.sh start` before the first of them (initdb of a
# throwaway cluster in <build>/postgres, started on a Unix socket and a free port on
# 127.0.0.1, fsync on), the cleanup test "postgres: stop" stops and removes it after the last.
# They see MYKEY_POSTGRES_CONNECTION (the file with host=, port=, tcp_host=, user=) in their
# environment; mykey::store_testing reads it (TestPostgresServer(), MakePostgresStore(): a
# fresh database per test, so the tests may run in parallel).
#
# `ctest -L system` pulls in the setup and cleanup tests by itself. As root the cluster runs as
# the `postgres` user. Safe to include more than once.
include_guard(GLOBAL)

set_property(GLOBAL PROPERTY MYKEY_POSTGRES_FIXTURE_SCRIPT
             ${CMAKE_CURRENT_LIST_DIR}/postgres_fixture.sh)
set_property(GLOBAL PROPERTY MYKEY_POSTGRES_STATE_DIR ${CMAKE_BINARY_DIR}/postgres)

# Adds the fixture's setup and cleanup tests once per build tree.
function(_mykey_postgres_fixture_tests)
  get_property(defined GLOBAL PROPERTY MYKEY_POSTGRES_FIXTURE_DEFINED)
  if(defined)
    return()
  endif()
  set_property(GLOBAL PROPERTY MYKEY_POSTGRES_FIXTURE_DEFINED TRUE)
  get_property(script GLOBAL PROPERTY MYKEY_POSTGRES_FIXTURE_SCRIPT)
  get_property(state_dir GLOBAL PROPERTY MYKEY_POSTGRES_STATE_DIR)
  add_test(NAME "postgres: start" COMMAND sh ${script} start ${state_dir})
  add_test(NAME "postgres: stop" COMMAND sh ${script} stop ${state_dir})
  set_tests_properties("postgres: start" PROPERTIES
    FIXTURES_SETUP postgres LABELS fixture TIMEOUT 180)
  set_tests_properties("postgres: stop" PROPERTIES
    FIXTURES_CLEANUP postgres LABELS fixture TIMEOUT 180)
endfunction()

function(_mykey_postgres_environment out)
  get_property(state_dir GLOBAL PROPERTY MYKEY_POSTGRES_STATE_DIR)
  set(${out} "MYKEY_POSTGRES_CONNECTION=${state_dir}/connection" PARENT_SCOPE)
endfunction()

function(mykey_postgres_test)
  cmake_parse_arguments(P "" "NAME;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT P_NAME OR NOT P_COMMAND)
    message(FATAL_ERROR "mykey_postgres_test: NAME and COMMAND are required")
  endif()
  if(NOT P_TIMEOUT)
    set(P_TIMEOUT 300)
  endif()
  _mykey_postgres_fixture_tests()
  _mykey_postgres_environment(environment)
  add_test(NAME ${P_NAME} COMMAND ${P_COMMAND})
  set_tests_properties(${P_NAME} PROPERTIES
    FIXTURES_REQUIRED postgres
    LABELS "system;${P_LABELS}"
    TIMEOUT ${P_TIMEOUT}
    ENVIRONMENT "${environment}")
endfunction()

# Each Catch2 test case becomes a CTest test of its own. catch_discover_tests flattens list
# properties, so the labels are set by a script CTest runs after the discovered tests' one.
function(mykey_postgres_catch_tests)
  cmake_parse_arguments(P "" "TARGET;TEST_SPEC;TEST_PREFIX" "LABELS" ${ARGN})
  if(NOT P_TARGET)
    message(FATAL_ERROR "mykey_postgres_catch_tests: TARGET is required")
  endif()
  _mykey_postgres_fixture_tests()
  _mykey_postgres_environment(environment)
  set(list_var ${P_TARGET}_postgres_tests)
  set(spec_args)
  if(P_TEST_SPEC)
    set(spec_args TEST_SPEC "${P_TEST_SPEC}")
  endif()
  catch_discover_tests(${P_TARGET}
    ${spec_args}
    TEST_PREFIX "${P_TEST_PREFIX}"
    TEST_LIST ${list_var}
    PROPERTIES FIXTURES_REQUIRED postgres TIMEOUT 300 ENVIRONMENT "${environment}")
  set(labels_script ${CMAKE_CURRENT_BINARY_DIR}/${P_TARGET}_postgres_labels.cmake)
  file(WRITE ${labels_script}
       "if(${list_var})\n"
       "  set_tests_properties(\${${list_var}} PROPERTIES LABELS \"system;${P_LABELS}\")\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_script})
endfunction()
