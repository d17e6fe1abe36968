# Compares generated reference docs (GENERATED) with the committed copies.
foreach(doc Dialect/CherryDialect.md Dialect/CherryInterfaces.md
            Dialect/CherryKernelDialect.md
            Transforms/CherryPasses.md
            Runtime/Kernels.md)
  get_filename_component(name ${doc} NAME)
  file(READ ${GENERATED}/${doc} generated)
  if(NOT EXISTS ${COMMITTED}/${name})
    message(FATAL_ERROR "docs/reference/${name} is missing: run "
                        "'cmake --build build --target cherry-doc'")
  endif()
  file(READ ${COMMITTED}/${name} committed)
  if(NOT generated STREQUAL committed)
    message(FATAL_ERROR "docs/reference/${name} is stale (the ODS or "
                        "runtime/abi/Kernels.abi changed): "
                        "run 'cmake --build build --target cherry-doc'")
  endif()
endforeach()
message(STATUS "docs/reference matches the ODS and Kernels.abi")
