# How the test code is compiled: every target defined under tests/ except the benchmarks
# (tests/bench, *bench* targets) and the fuzz targets. Production code (common/, controller/,
# node-helper/) is never affected.
#
#   JOINGUARD_TEST_CXX_FLAGS  a ;-list, e.g. "-O1;-g1": placed after the build type's flags, so
#                             they override its -O and -g for test code. Empty by default (a
#                             developer's build compiles tests as before). CI (.ci/run) uses
#                             -O1;-g1 for the plain build and -O0;-g1 for the sanitizer build:
#                             test code does not need the optimiser, line tables keep file:line
#                             in stack traces, and those two builds dominate CI's time (figures
#                             in README, "For developers").
#
# A precompiled header for gtest/gmock/nlohmann-json was measured too and left out: it did not
# make a test translation unit cheaper (template instantiation and code generation, not
# parsing, are what test files cost).
set(JOINGUARD_TEST_CXX_FLAGS "" CACHE STRING
    "Extra compile flags for test code (tests/ but benchmarks and fuzz targets), a ;-list, e.g. -O1;-g1")

# Called once, after add_subdirectory(tests).
function(joinguard_configure_test_targets)
  if(JOINGUARD_TEST_CXX_FLAGS)
    _joinguard_configure_test_dir(${PROJECT_SOURCE_DIR}/tests)
  endif()
endfunction()

function(_joinguard_configure_test_dir dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY" OR t MATCHES "bench")
      continue()
    endif()
    target_compile_options(${t} PRIVATE ${JOINGUARD_TEST_CXX_FLAGS})
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    if(NOT sub MATCHES "/tests/(bench|fuzz)$")
      _joinguard_configure_test_dir(${sub})
    endif()
  endforeach()
endfunction()
