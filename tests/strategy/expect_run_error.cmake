# Runs LAUNCH EXE ARGS (wxfer under mpiexec); passes when it exits with EXIT (default 2: bad
# input) and wxfer printed exactly one "wxfer: error:" line, containing EXPECT (mpiexec's own
# banner is ignored).
if(NOT DEFINED EXIT)
  set(EXIT 2)
endif()
execute_process(COMMAND ${LAUNCH} ${EXE} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL "${EXIT}")
  message(FATAL_ERROR "expected exit ${EXIT}, got ${rc}; stdout: ${out}; stderr: ${err}")
endif()
string(REGEX MATCHALL "wxfer: error:[^\n]*" lines "${err}")
list(LENGTH lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one 'wxfer: error:' line, got ${n}: ${err}")
endif()
string(FIND "${lines}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "error line does not contain '${EXPECT}': ${lines}")
endif()
