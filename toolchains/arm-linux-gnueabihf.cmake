# Cross-compile for armhf (ARMv7 hard-float) with Debian's gcc-arm-linux-gnueabihf.
#   cmake --preset armhf   (or -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake)
# Packages: scripts/install-deps.sh --cross
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(MYKEY_CROSS_TRIPLE arm-linux-gnueabihf)
set(MYKEY_QEMU_ARCH arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
