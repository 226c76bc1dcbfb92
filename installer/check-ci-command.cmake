# cmake -DREADME=README.md -DCI_RUN=.ci/run -P check-ci-command.cmake
#
# README.md shows exactly two set-up commands, lines that start with
# `bash installer/berth-setup.sh `; .ci/run must run the second one, byte for
# byte, and nothing else (its other lines may only be comments, blank lines,
# `set -...` and the `cd` to the checkout).
foreach(_v README CI_RUN)
    if(NOT EXISTS "${${_v}}")
        message(FATAL_ERROR "${_v} file '${${_v}}' does not exist")
    endif()
endforeach()

file(STRINGS "${README}" _readme_lines)
set(_setup_commands)
foreach(_line IN LISTS _readme_lines)
    if(_line MATCHES "^bash installer/berth-setup\\.sh ")
        list(APPEND _setup_commands "${_line}")
    endif()
endforeach()
list(LENGTH _setup_commands _n)
if(NOT _n EQUAL 2)
    message(FATAL_ERROR "README.md shows ${_n} set-up command lines (`bash installer/berth-setup.sh ...`); it must show exactly two: ${_setup_commands}")
endif()
list(GET _setup_commands 1 _expected)

file(STRINGS "${CI_RUN}" _ci_lines)
set(_commands)
foreach(_line IN LISTS _ci_lines)
    if(_line MATCHES "^[ \t]*(#|$)" OR _line MATCHES "^set -" OR _line MATCHES "^cd ")
        continue()
    endif()
    list(APPEND _commands "${_line}")
endforeach()
list(LENGTH _commands _m)
if(NOT _m EQUAL 1)
    message(FATAL_ERROR ".ci/run must run exactly one command (README.md's second: '${_expected}'), found ${_m}: ${_commands}")
endif()
if(NOT _commands STREQUAL _expected)
    message(FATAL_ERROR ".ci/run runs '${_commands}' but README.md's second set-up command is '${_expected}'")
endif()
message(STATUS "README.md and .ci/run agree: ${_expected}")
