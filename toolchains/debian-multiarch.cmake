# Shared part of the Debian multiarch cross toolchains. Set MYKEY_CROSS_TRIPLE
# and CMAKE_SYSTEM_PROCESSOR before including this file.
#
# Debian's cross compilers (crossbuild-essential-<arch>) with the multiarch
# -dev packages (libpcsclite-dev:<arch>, libmbedtls-dev:<arch>): libraries live
# in /usr/lib/<triple>, headers are shared in /usr/include. No sysroot.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${MYKEY_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${MYKEY_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${MYKEY_CROSS_TRIPLE})

# Look for libraries only in the target's multiarch directory, never the host's.
set(CMAKE_FIND_ROOT_PATH /usr/${MYKEY_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)

set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${MYKEY_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Unit tests run under qemu-user (Debian qemu-user) with the cross libc.
find_program(MYKEY_QEMU qemu-${MYKEY_QEMU_ARCH})
if(MYKEY_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MYKEY_QEMU} -L /usr/${MYKEY_CROSS_TRIPLE})
endif()
