# Runs EXE with ARGS; passes when it exits non-zero with exactly one stderr line containing
# EXPECT (tests/apps/expect_error.cmake), and OUTPUT's directory holds neither OUTPUT nor any
# leftover (.tmp, .parts-*).

file(REMOVE_RECURSE ${OUTPUT_DIR})
file(MAKE_DIRECTORY ${OUTPUT_DIR})
include(${CMAKE_CURRENT_LIST_DIR}/../apps/expect_error.cmake)
file(GLOB left LIST_DIRECTORIES true "${OUTPUT_DIR}/*" "${OUTPUT_DIR}/.*")
if(left)
  message(FATAL_ERROR "left behind after the failure: ${left}")
endif()
