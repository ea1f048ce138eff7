# mykey_module(): every module looks alike (style.md).
#
#   mykey_module(<name>
#     SOURCES src/a.cc ...          # library sources (omit for header-only)
#     DEPS mykey::base ...          # public dependencies
#     PRIVATE_DEPS ...              # private dependencies (third-party libraries)
#     TESTS test/a_test.cc ...      # unit tests beside the code (Catch2)
#     TEST_DEPS ...                 # extra dependencies of the tests
#     TEST_LABELS threads|tools)    # the tests start threads / run built executables:
#                                   # labelled "unit-threads" / "unit-tools", which
#                                   # cross builds under qemu-user skip. (One label:
#                                   # catch_discover_tests flattens lists.)
#
# Makes target mykey_<name>, alias mykey::<name>, public headers under
# include/mykey/<name>/ and a test executable mykey_<name>_test. Every module is
# listed in the global property MYKEY_MODULES; cmake/MykeyInstall.cmake installs
# those of the SDK layers (core, hal, cards, sdk) when MYKEY_INSTALL is ON.
function(mykey_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS;TESTS;TEST_DEPS;TEST_LABELS" ${ARGN})
  set(target mykey_${name})
  if(M_SOURCES)
    add_library(${target} STATIC ${M_SOURCES})
    target_include_directories(${target} PUBLIC
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
    # The warning flags are the build's own: not part of the installed targets.
    target_link_libraries(${target} PUBLIC ${M_DEPS}
                          PRIVATE ${M_PRIVATE_DEPS} $<BUILD_INTERFACE:mykey_warnings>)
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
    target_link_libraries(${target} INTERFACE ${M_DEPS})
  endif()
  add_library(mykey::${name} ALIAS ${target})
  set_property(GLOBAL APPEND PROPERTY MYKEY_MODULES ${target})

  if(M_TESTS AND MYKEY_BUILD_TESTS)
    add_executable(${target}_test ${M_TESTS})
    target_link_libraries(${target}_test PRIVATE ${target} ${M_TEST_DEPS} mykey::testing_main
                                                 mykey_warnings)
    set(label unit)
    if(M_TEST_LABELS)
      set(label unit-${M_TEST_LABELS})
    endif()
    catch_discover_tests(${target}_test TEST_PREFIX "${name}/" PROPERTIES LABELS ${label})
  endif()
endfunction()

# mykey_tool(<name> SOURCES ... DEPS ...): an executable (composition root).
function(mykey_tool name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} mykey_warnings)
endfunction()
