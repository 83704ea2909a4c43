# Runs EXE with ARGS; passes when it exits non-zero and prints exactly one stderr line
# containing EXPECT.

execute_process(COMMAND ${EXE} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "expected failure, got exit 0; stdout: ${out}")
endif()
string(FIND "${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "stderr does not contain '${EXPECT}': ${err}")
endif()
string(STRIP "${err}" stripped)
string(FIND "${stripped}" "\n" newline)
if(NOT newline EQUAL -1)
  message(FATAL_ERROR "expected one error line, got: ${err}")
endif()
