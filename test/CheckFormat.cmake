# Fails when a C++ source of the project is not clang-format clean.
file(GLOB_RECURSE sources
  ${ROOT}/dialects/*.cpp ${ROOT}/dialects/*.h
  ${ROOT}/passes/*.cpp ${ROOT}/passes/*.h
  ${ROOT}/runtime/*.cpp ${ROOT}/runtime/*.h ${ROOT}/runtime/*.cu ${ROOT}/runtime/*.cuh
  ${ROOT}/frontend/*.cpp ${ROOT}/frontend/*.h
  ${ROOT}/data/*.cpp ${ROOT}/data/*.h
  ${ROOT}/tools/*.cpp ${ROOT}/test/*.cpp)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror ${sources}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "not clang-format clean (run ${CLANG_FORMAT} -i):\n${err}")
endif()
list(LENGTH sources n)
message(STATUS "${n} files are clang-format clean")
