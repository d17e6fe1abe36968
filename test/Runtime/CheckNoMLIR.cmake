# Fails if BINARY needs libMLIR/libLLVM or contains MLIR/LLVM symbols.
execute_process(COMMAND readelf -d ${BINARY} OUTPUT_VARIABLE dyn
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf failed on ${BINARY}")
endif()
if(dyn MATCHES "lib(MLIR|LLVM)[^ ]*\\.so")
  message(FATAL_ERROR "${BINARY} links MLIR/LLVM:\n${dyn}")
endif()
execute_process(COMMAND nm -C ${BINARY} OUTPUT_VARIABLE syms)
if(syms MATCHES "mlir::|llvm::")
  message(FATAL_ERROR "${BINARY} contains MLIR/LLVM symbols")
endif()
message(STATUS "${BINARY}: no MLIR/LLVM dependency")
