# The one warning list, linked PRIVATE by every keydesk target (never by third-party code).
#
# Warnings are shown in every build. KEYDESK_WERROR turns them into errors: the dev and release presets and
# CI turn it on, so a new warning stops a merge; it is off by default so that a packager's newer compiler,
# with warnings this tree has never seen, still builds.
add_library(keydesk_warnings INTERFACE)
target_compile_options(keydesk_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
  -Woverloaded-virtual
  $<$<BOOL:${KEYDESK_WERROR}>:-Werror>)

# keydesk_gcc_false_positive(TARGET target SOURCES file... WARNINGS name... BUG number)
# Silences named GCC warnings in the named files only, for a compiler bug that the code cannot avoid
# without getting worse. Every use names the GCC bug, so it can be removed when the bug's fix arrives.
function(keydesk_gcc_false_positive)
  cmake_parse_arguments(FP "" "TARGET;BUG" "SOURCES;WARNINGS" ${ARGN})
  if(NOT FP_BUG OR NOT FP_TARGET OR NOT FP_SOURCES OR NOT FP_WARNINGS)
    message(FATAL_ERROR "keydesk_gcc_false_positive: TARGET, SOURCES, WARNINGS and BUG are required")
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  set(flags)
  foreach(w ${FP_WARNINGS})
    list(APPEND flags -Wno-${w})
  endforeach()
  get_target_property(dir ${FP_TARGET} SOURCE_DIR)
  set(files)
  foreach(f ${FP_SOURCES})
    list(APPEND files ${dir}/${f})
  endforeach()
  set_property(SOURCE ${files} TARGET_DIRECTORY ${FP_TARGET} APPEND PROPERTY COMPILE_OPTIONS ${flags})
endfunction()
