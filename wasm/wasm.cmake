# wasm.cmake — the Emscripten side of the CMake tree (included from the root
# CMakeLists.txt when configured with emcmake). Builds:
#   cli/gemwasm-cli-{mt,st}.js  the CLI (cli/*.c) for Node, files through NODERAWFS
#   gemwasm-{mt,st,scalar}.js  the module for web/ (wasm/*.c exports), three
#                              variants: SIMD128+pthreads, SIMD128, scalar
# Output goes to ${CMAKE_BINARY_DIR}/ (copied into web/dist by the build script).

set(GW_PREJS ${CMAKE_SOURCE_DIR}/wasm/node-fetch-fix.js)
set(GW_WASM_COMMON_LINK
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=1MB
  -sEXIT_RUNTIME=1 --pre-js ${GW_PREJS})
file(GLOB GW_WASM_SRC CONFIGURE_DEPENDS wasm/*.c)

# variant: name, simd (ON/OFF), threads (ON/OFF)
function(gw_wasm_core name simd threads)
  add_library(${name} STATIC ${GW_CORE_SRC})
  target_include_directories(${name} PUBLIC ${GW_INCLUDES})
  target_compile_options(${name} PRIVATE ${GW_WARN} -O3)
  if(simd)
    target_compile_options(${name} PUBLIC -msimd128)
    target_compile_definitions(${name} PUBLIC GW_SIMD=1)
  endif()
  if(threads)
    target_compile_options(${name} PUBLIC -pthread)
  else()
    target_compile_definitions(${name} PUBLIC GW_NO_THREADS=1)
  endif()
endfunction()

gw_wasm_core(gwcore_mt ON ON)
gw_wasm_core(gwcore_st ON OFF)
gw_wasm_core(gwcore_scalar OFF OFF)

# The CLI for Node: same C as the native CLI, real files through NODERAWFS.
function(gw_wasm_cli name core threads)
  add_executable(${name} ${GW_CLI_SRC})
  target_link_libraries(${name} PRIVATE ${core})
  target_compile_options(${name} PRIVATE ${GW_WARN} -O3)
  target_link_options(${name} PRIVATE ${GW_WASM_COMMON_LINK} -O3 -sNODERAWFS=1
    -sMODULARIZE=1 -sEXPORT_NAME=createGemwasmCli -sINVOKE_RUN=0
    -sEXPORTED_RUNTIME_METHODS=callMain -sENVIRONMENT=node${threads})
  if(threads)
    target_link_options(${name} PRIVATE -pthread -sPTHREAD_POOL_SIZE=4)
  endif()
  set_target_properties(${name} PROPERTIES SUFFIX ".js" RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/cli)
endfunction()
# The CLI output is CommonJS (and so is the pthread worker script it spawns),
# while the package is "type": "module": mark its folder as CommonJS.
file(WRITE ${CMAKE_BINARY_DIR}/cli/package.json "{ \"type\": \"commonjs\" }\n")
gw_wasm_cli(gemwasm-cli-mt gwcore_mt ",worker")
gw_wasm_cli(gemwasm-cli-st gwcore_st "")

# The web module: wasm/*.c export a C API to web/ (EMSCRIPTEN_KEEPALIVE).
if(GW_WASM_SRC)
  function(gw_wasm_web name core threads)
    add_executable(${name} ${GW_WASM_SRC})
    target_link_libraries(${name} PRIVATE ${core})
    target_compile_options(${name} PRIVATE ${GW_WARN} -O3)
    target_link_options(${name} PRIVATE ${GW_WASM_COMMON_LINK} -O3
      -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createGemwasmModule
      -sENVIRONMENT=web,worker,node -sEXPORTED_FUNCTIONS=_malloc,_free
      -sEXPORTED_RUNTIME_METHODS=ccall,cwrap,UTF8ToString,stringToUTF8,lengthBytesUTF8,HEAPU8,HEAP32,HEAPF32)
    if(threads)
      target_link_options(${name} PRIVATE -pthread -sPTHREAD_POOL_SIZE=navigator.hardwareConcurrency)
    endif()
    set_target_properties(${name} PROPERTIES SUFFIX ".mjs" RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  endfunction()
  gw_wasm_web(gemwasm-mt gwcore_mt ON)
  gw_wasm_web(gemwasm-st gwcore_st OFF)
  gw_wasm_web(gemwasm-scalar gwcore_scalar OFF)
endif()

# The kernel tests once more as wasm (SIMD128 + pthreads), run under Node by
# tests/node/kernels_wasm.test.mjs: the kernels have wasm-only paths.
add_executable(test_kernels_wasm tests/c/test_kernels.c tests/c/testutil.c)
target_link_libraries(test_kernels_wasm PRIVATE gwcore_mt)
target_include_directories(test_kernels_wasm PRIVATE tests/c)
target_compile_options(test_kernels_wasm PRIVATE ${GW_WARN} -O2)
target_link_options(test_kernels_wasm PRIVATE ${GW_WASM_COMMON_LINK} -O2 -pthread -sPTHREAD_POOL_SIZE=12
  -sENVIRONMENT=node,worker)
set_target_properties(test_kernels_wasm PROPERTIES SUFFIX ".js" RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
file(WRITE ${CMAKE_BINARY_DIR}/tests/package.json "{ \"type\": \"commonjs\" }\n")
