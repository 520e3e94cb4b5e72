# Hardening for everything keydesk builds, as libfido2 and Debian's dpkg-buildflags do: stack protector and
# stack-clash protection, _FORTIFY_SOURCE (it needs the optimizer, so not in Debug), position-independent
# executables, full RELRO with immediate binding, and a non-executable stack.
# tests/packaging/test_installed_tree.sh checks the installed binaries with readelf.

# A packaged binary names no path of the build machine (tests/packaging/test_installed_tree.sh): OpenSSL's
# error macros and assertions expand __FILE__, which becomes relative to the source tree.
# Every configuration maps __FILE__ (an installed, stripped RelWithDebInfo build is checked by the same
# test); Release maps the debug information too, as a package build has no use for this machine's paths.
add_compile_options(-fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=)
add_compile_options($<$<CONFIG:Release>:-ffile-prefix-map=${CMAKE_SOURCE_DIR}/=>)

option(KEYDESK_HARDENING "Build with stack protector, _FORTIFY_SOURCE, PIE, RELRO/BIND_NOW, noexecstack" ON)
if(NOT KEYDESK_HARDENING)
  return()
endif()

include(CheckCXXCompilerFlag)
include(CheckPIESupported)

check_pie_supported(LANGUAGES CXX C)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

foreach(flag -fstack-protector-strong -fstack-clash-protection)
  string(MAKE_C_IDENTIFIER "KEYDESK_HAVE${flag}" have)
  check_cxx_compiler_flag(${flag} ${have})
  if(${have})
    add_compile_options(${flag})
  endif()
endforeach()

# The sanitizers and libFuzzer check memory accesses themselves and report better without the _chk
# variants; a packager whose CPPFLAGS already choose a _FORTIFY_SOURCE level keeps it.
if(NOT KEYDESK_SANITIZERS AND NOT KEYDESK_BUILD_FUZZ
   AND NOT "${CMAKE_CXX_FLAGS} ${CMAKE_C_FLAGS}" MATCHES "_FORTIFY_SOURCE")
  add_compile_options($<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE> $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
endif()

add_link_options(LINKER:-z,relro LINKER:-z,now LINKER:-z,noexecstack)
