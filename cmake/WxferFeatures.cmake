# AUTO|ON|OFF switches for optional hardware back-ends. AUTO uses what is found,
# ON fails the configure when it is missing, OFF never looks.
function(wxfer_feature_option NAME DOC)
  set(WXFER_WITH_${NAME} AUTO CACHE STRING "${DOC} (AUTO|ON|OFF)")
  set_property(CACHE WXFER_WITH_${NAME} PROPERTY STRINGS AUTO ON OFF)
endfunction()

# Decides WXFER_HAVE_<NAME> from the option and whether the dependency was found.
function(wxfer_feature_resolve NAME FOUND WHY_MISSING)
  set(mode "${WXFER_WITH_${NAME}}")
  if(mode STREQUAL "OFF")
    set(WXFER_HAVE_${NAME} 0 PARENT_SCOPE)
  elseif(FOUND)
    set(WXFER_HAVE_${NAME} 1 PARENT_SCOPE)
  elseif(mode STREQUAL "ON")
    message(FATAL_ERROR "WXFER_WITH_${NAME}=ON but ${WHY_MISSING}")
  else()
    set(WXFER_HAVE_${NAME} 0 PARENT_SCOPE)
  endif()
endfunction()

# Adds an MPI test: runs the gtest binary under mpiexec with NP ranks.
function(wxfer_add_mpi_test NAME TARGET NP)
  set(extra "")
  if(WXFER_MPIEXEC_ROOT_FLAG)
    list(APPEND extra ${WXFER_MPIEXEC_ROOT_FLAG})
  endif()
  add_test(NAME ${NAME}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${NP} --oversubscribe
                   ${extra} $<TARGET_FILE:${TARGET}> ${ARGN})
  set_tests_properties(${NAME} PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 600)
endfunction()

# wxfer_add_output_test(NAME REGEX COMMAND...): passes when the command exits 0 and its output
# matches REGEX (tests/apps/expect_output.cmake); wxfer_add_output_test_exit(NAME EXIT REGEX
# COMMAND...) expects another exit status.
function(wxfer_add_output_test NAME REGEX)
  wxfer_add_output_test_exit(${NAME} 0 "${REGEX}" ${ARGN})
endfunction()
function(wxfer_add_output_test_exit NAME EXIT REGEX)
  add_test(NAME ${NAME}
           COMMAND ${CMAKE_COMMAND} "-DCMD=${ARGN}" "-DEXPECT=${REGEX}" -DEXIT=${EXIT}
                   -P ${PROJECT_SOURCE_DIR}/tests/apps/expect_output.cmake)
endfunction()

# Registers a library for linking into the wxfer executable.
function(wxfer_module TARGET)
  set_property(GLOBAL APPEND PROPERTY WXFER_MODULE_TARGETS ${TARGET})
endfunction()
