# Cross-compile for arm64 (aarch64) with Debian's gcc-aarch64-linux-gnu.
#   cmake --preset aarch64   (or -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake)
# Packages: scripts/install-deps.sh --cross
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(MYKEY_CROSS_TRIPLE aarch64-linux-gnu)
set(MYKEY_QEMU_ARCH aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
