# KEYDESK_SANITIZERS: a -fsanitize= list for the whole build (the asan-ubsan preset sets
# "address,undefined"). Any finding stops the program (-fno-sanitize-recover), so a test cannot pass with a
# report in its log; the preset's test environment adds halt_on_error for ASan and UBSan.
set(KEYDESK_SANITIZERS "" CACHE STRING "Comma-separated -fsanitize= list for every target, e.g. address,undefined")

if(KEYDESK_SANITIZERS)
  add_compile_options(-fsanitize=${KEYDESK_SANITIZERS} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${KEYDESK_SANITIZERS})
endif()

# libFuzzer targets (fuzz/): coverage instrumentation for every library the targets reach, not just the
# harness files, with ASan and UBSan.
if(KEYDESK_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KEYDESK_BUILD_FUZZ needs clang (libFuzzer): CC=clang CXX=clang++ or the fuzz preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
