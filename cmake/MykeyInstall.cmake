# The installed SDK: `cmake --install <build> --prefix <prefix>` writes
#
#   lib/libmykey_<module>.a              every module of the SDK layers (core, hal, cards, sdk)
#   include/mykey/<module>/...           their public headers
#   lib/cmake/mykey/mykeyConfig.cmake    find_package(mykey): imported targets mykey::<module>
#   lib/pkgconfig/mykey.pc               pkg-config --cflags --libs mykey
#   bin/                                 the tools (mykey, mykey-vcard, mykey-vprinter, ...)
#   share/doc/mykey/                     README, examples
#
# Included once at the end of the top-level CMakeLists.txt (MYKEY_INSTALL), when every module
# has been made: the modules come from mykey_module()'s MYKEY_MODULES list, keyed on the layer
# folder they live in, so a module added later is installed without an edit here. cloud/,
# firmware/ and the test-support libraries (not made by mykey_module()) are not installed.
#
# Static libraries (see examples/README.md): every module is a static, position-independent
# archive in the build and in the install. The private third-party libraries of a static archive
# must still be linked by the consumer, so mykeyConfig.cmake finds every one of them
# (find_dependency / pkg_check_modules) and mykey.pc lists them in Requires and Libs, not in the
# .private fields (which `pkg-config --libs` without --static leaves out).

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MYKEY_INSTALL_LAYERS core hal cards sdk)
set(MYKEY_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/mykey)

# The link items of a target's exported interface, with $<LINK_ONLY:...> unwrapped and
# $<BUILD_INTERFACE:...> (build-only) dropped.
function(_mykey_install_link_items target out)
  get_target_property(items ${target} INTERFACE_LINK_LIBRARIES)
  set(result "")
  foreach(item IN LISTS items)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
    if(NOT item OR item MATCHES "^\\$<BUILD_INTERFACE:")
      continue()
    endif()
    if(TARGET ${item})
      get_target_property(aliased ${item} ALIASED_TARGET)
      if(aliased)
        set(item ${aliased})
      endif()
    endif()
    list(APPEND result "${item}")
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# 1. The modules of the SDK layers.
get_property(_mykey_modules GLOBAL PROPERTY MYKEY_MODULES)
set(_mykey_install "")
foreach(target IN LISTS _mykey_modules)
  get_target_property(dir ${target} SOURCE_DIR)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${dir})
  string(REGEX MATCH "^[^/]+" layer "${rel}")
  if(layer IN_LIST MYKEY_INSTALL_LAYERS)
    list(APPEND _mykey_install ${target})
  endif()
endforeach()

# 2. A module that links a project target which is not installed (a cloud module, a test
#    library) cannot be exported: leave it out, with its dependents, and say so.
set(_mykey_changed TRUE)
while(_mykey_changed)
  set(_mykey_changed FALSE)
  foreach(target IN LISTS _mykey_install)
    _mykey_install_link_items(${target} items)
    foreach(item IN LISTS items)
      if(TARGET ${item})
        get_target_property(imported ${item} IMPORTED)
        if(NOT imported AND NOT item IN_LIST _mykey_install)
          message(WARNING "mykey install: ${target} is not installed: it links ${item}, "
                          "which is not part of the SDK")
          list(REMOVE_ITEM _mykey_install ${target})
          set(_mykey_changed TRUE)
          break()
        endif()
      endif()
    endforeach()
  endforeach()
endwhile()

# 3. Link order for mykey.pc: a module before the modules it uses.
set(_mykey_link_order "")
function(_mykey_install_visit target)
  get_property(seen GLOBAL PROPERTY _MYKEY_VISITED_${target} SET)
  if(seen)
    return()
  endif()
  set_property(GLOBAL PROPERTY _MYKEY_VISITED_${target} TRUE)
  _mykey_install_link_items(${target} items)
  foreach(item IN LISTS items)
    if(item IN_LIST _mykey_install)
      _mykey_install_visit(${item})
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY _MYKEY_POSTORDER ${target})
endfunction()
foreach(target IN LISTS _mykey_install)
  _mykey_install_visit(${target})
endforeach()
get_property(_mykey_link_order GLOBAL PROPERTY _MYKEY_POSTORDER)
list(REVERSE _mykey_link_order)

# 4. Install the libraries and headers; export them as mykey::<module>.
foreach(target IN LISTS _mykey_install)
  string(REGEX REPLACE "^mykey_" "" name ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  # The public headers use C++20 (std::span, <chrono> calendars): say so to consumers.
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_COMPILE_FEATURES cxx_std_20)
  install(TARGETS ${target} EXPORT mykeyTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  get_target_property(dir ${target} SOURCE_DIR)
  if(EXISTS ${dir}/include/mykey)
    install(DIRECTORY ${dir}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk)
  endif()
endforeach()

# 5. The third-party libraries the installed modules link, publicly or privately: how the
#    config finds each, and what mykey.pc says for it.
set(_mykey_find "")
set(_mykey_pc_requires "")
set(_mykey_pc_libs "")
set(_mykey_ship_find_mbedtls FALSE)
foreach(target IN LISTS _mykey_link_order)
  _mykey_install_link_items(${target} items)
  foreach(item IN LISTS items)
    if(item IN_LIST _mykey_install)
      continue()
    endif()
    set(find "")
    set(requires "")
    set(libs "")
    if(item STREQUAL "tl::expected")
      set(find "find_dependency(tl-expected)")  # header-only, in the default include path
    elseif(item MATCHES "^nlohmann_json::")
      set(find "find_dependency(nlohmann_json 3)")
      set(requires nlohmann_json)
    elseif(item MATCHES "^MbedTLS::(.*)$")
      set(find "find_dependency(MbedTLS)")
      set(libs -l${CMAKE_MATCH_1})
      set(_mykey_ship_find_mbedtls TRUE)
    elseif(item STREQUAL "Threads::Threads")
      set(find "find_dependency(Threads)")
      set(libs -pthread)
    elseif(item STREQUAL "CURL::libcurl")
      set(find "find_dependency(CURL)")
      set(requires libcurl)
    elseif(item STREQUAL "ZXing::ZXing")
      set(find "find_dependency(ZXing)")
      set(requires zxing)
    elseif(item MATCHES "^SQLite::")
      set(find "find_dependency(SQLite3)")
      set(requires sqlite3)
    elseif(item MATCHES "^PkgConfig::(.*)$")
      set(prefix ${CMAKE_MATCH_1})
      set(module ${${prefix}_MODULE_NAME})
      if(NOT module)
        message(FATAL_ERROR "mykey install: no pkg-config module known for ${item}")
      endif()
      set(find "_mykey_pkg(${prefix} ${module})")
      set(requires ${module})
    elseif(item MATCHES "^/.*/lib([^/]+)\\.(so|a)$")
      set(libs -l${CMAKE_MATCH_1})  # a plain library file (stb): the exported path is absolute
    elseif(item MATCHES "::")
      message(WARNING "mykey install: ${target} links ${item}; mykeyConfig.cmake tries "
                      "find_dependency() by its namespace and mykey.pc does not list it: "
                      "add it to cmake/MykeyInstall.cmake")
      string(REGEX REPLACE "::.*" "" ns "${item}")
      set(find "find_dependency(${ns})")
    else()
      set(libs ${item})
    endif()
    list(APPEND _mykey_find "${find}")
    list(APPEND _mykey_pc_requires ${requires})
    list(APPEND _mykey_pc_libs ${libs})
  endforeach()
endforeach()
foreach(var _mykey_find _mykey_pc_requires _mykey_pc_libs)
  list(REMOVE_ITEM ${var} "")
  list(REMOVE_DUPLICATES ${var})
endforeach()
# mbedTLS's libraries in the order the linker needs them.
foreach(lib mbedtls mbedx509 mbedcrypto)
  if(-l${lib} IN_LIST _mykey_pc_libs)
    list(REMOVE_ITEM _mykey_pc_libs -l${lib})
    list(APPEND _mykey_pc_mbedtls -l${lib})
  endif()
endforeach()
list(PREPEND _mykey_pc_libs ${_mykey_pc_mbedtls})

# 6. mykeyConfig.cmake, mykeyConfigVersion.cmake, mykeyTargets.cmake.
list(JOIN _mykey_find "\n" MYKEY_CONFIG_FIND_DEPENDENCIES)
configure_file(${CMAKE_CURRENT_LIST_DIR}/mykeyConfig.cmake.in
               ${PROJECT_BINARY_DIR}/install/mykeyConfig.cmake @ONLY)
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/install/mykeyConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(EXPORT mykeyTargets NAMESPACE mykey:: DESTINATION ${MYKEY_INSTALL_CMAKEDIR}
        COMPONENT sdk)
install(FILES ${PROJECT_BINARY_DIR}/install/mykeyConfig.cmake
              ${PROJECT_BINARY_DIR}/install/mykeyConfigVersion.cmake
        DESTINATION ${MYKEY_INSTALL_CMAKEDIR} COMPONENT sdk)
if(_mykey_ship_find_mbedtls)
  # Debian's mbedTLS 2.28 has neither a CMake config nor a pkg-config file.
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/FindMbedTLS.cmake
          DESTINATION ${MYKEY_INSTALL_CMAKEDIR} COMPONENT sdk)
endif()

# 7. mykey.pc (relocatable: paths from ${pcfiledir}).
set(_mykey_pc_mykey_libs "")
foreach(target IN LISTS _mykey_link_order)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    list(APPEND _mykey_pc_mykey_libs -l${target})
  endif()
endforeach()
file(RELATIVE_PATH _mykey_pc_to_prefix
     ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" _mykey_pc_to_prefix_clean "${_mykey_pc_to_prefix}")
list(JOIN _mykey_pc_requires " " MYKEY_PC_REQUIRES)
list(JOIN _mykey_pc_mykey_libs " " MYKEY_PC_MYKEY_LIBS)
list(JOIN _mykey_pc_libs " " MYKEY_PC_LIBS)
file(WRITE ${PROJECT_BINARY_DIR}/install/mykey.pc
"prefix=\${pcfiledir}/${_mykey_pc_to_prefix_clean}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}

Name: mykey
Description: MyKey counter-terminal SDK (static libraries; compile with -std=c++20)
Version: ${PROJECT_VERSION}
Requires: ${MYKEY_PC_REQUIRES}
Cflags: -I\${includedir}
Libs: -L\${libdir} ${MYKEY_PC_MYKEY_LIBS} ${MYKEY_PC_LIBS}
")
install(FILES ${PROJECT_BINARY_DIR}/install/mykey.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sdk)

# 8. Tools, docs, examples.
foreach(tool mykey mykey-terminal mykey-vcard mykey-vprinter mykey-testjpki)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
  endif()
endforeach()
# `ninja mykey_sdk`: everything the install copies (the whole build is not needed).
add_custom_target(mykey_sdk)
add_dependencies(mykey_sdk ${_mykey_install})
foreach(tool mykey mykey-terminal mykey-vcard mykey-vprinter mykey-testjpki)
  if(TARGET ${tool})
    add_dependencies(mykey_sdk ${tool})
  endif()
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT sdk)
foreach(file LICENSE LICENSE.md COPYING)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${file})
    install(FILES ${PROJECT_SOURCE_DIR}/${file} DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT sdk)
  endif()
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT sdk)
# The terminal's example configuration and systemd unit, for the integrator to adapt.
if(TARGET mykey-terminal)
  foreach(file mykey-terminal.example.toml mykey-terminal.service)
    if(EXISTS ${PROJECT_SOURCE_DIR}/firmware/terminal/${file})
      install(FILES ${PROJECT_SOURCE_DIR}/firmware/terminal/${file}
              DESTINATION ${CMAKE_INSTALL_DOCDIR}/terminal COMPONENT tools)
    endif()
  endforeach()
endif()
