# Debian 12 ships mbedTLS 2.28 with neither a CMake config nor a pkg-config file.
# Defines MbedTLS::mbedtls, MbedTLS::mbedx509 and MbedTLS::mbedcrypto.
find_path(MbedTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MbedTLS_mbedtls_LIBRARY mbedtls)
find_library(MbedTLS_mbedx509_LIBRARY mbedx509)
find_library(MbedTLS_mbedcrypto_LIBRARY mbedcrypto)

if(MbedTLS_INCLUDE_DIR AND EXISTS "${MbedTLS_INCLUDE_DIR}/mbedtls/version.h")
  file(STRINGS "${MbedTLS_INCLUDE_DIR}/mbedtls/version.h" _ver
       REGEX "#define MBEDTLS_VERSION_STRING +\"[0-9.]+\"")
  string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" MbedTLS_VERSION "${_ver}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
  REQUIRED_VARS MbedTLS_INCLUDE_DIR MbedTLS_mbedtls_LIBRARY MbedTLS_mbedx509_LIBRARY
                MbedTLS_mbedcrypto_LIBRARY
  VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND)
  foreach(lib mbedcrypto mbedx509 mbedtls)
    if(NOT TARGET MbedTLS::${lib})
      add_library(MbedTLS::${lib} UNKNOWN IMPORTED)
      set_target_properties(MbedTLS::${lib} PROPERTIES
        IMPORTED_LOCATION "${MbedTLS_${lib}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${MbedTLS_INCLUDE_DIR}")
    endif()
  endforeach()
  set_property(TARGET MbedTLS::mbedx509 APPEND PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
  set_property(TARGET MbedTLS::mbedtls APPEND PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedx509)
endif()
mark_as_advanced(MbedTLS_INCLUDE_DIR MbedTLS_mbedtls_LIBRARY MbedTLS_mbedx509_LIBRARY
                 MbedTLS_mbedcrypto_LIBRARY)
