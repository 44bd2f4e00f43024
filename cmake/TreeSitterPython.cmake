# The tree-sitter Python grammar, fetched with `npm pack` into a git-ignored cache, checksummed and
# compiled as a static library. Never committed (see docs/design.md).
set(TSPY_VERSION 0.21.0)
set(TSPY_SHA256 787841ada211201c4d7b4f4c3115f31bd7e7ed97cc76986b0ef108035ffa7ef2)
set(TSPY_CACHE "${CMAKE_SOURCE_DIR}/.cache/npm" CACHE PATH "Where npm pack puts the grammar tarball")
set(TSPY_TARBALL "${TSPY_CACHE}/tree-sitter-python-${TSPY_VERSION}.tgz")

if(EXISTS "${TSPY_TARBALL}")
    file(SHA256 "${TSPY_TARBALL}" _tspy_have)
    if(NOT _tspy_have STREQUAL TSPY_SHA256)
        file(REMOVE "${TSPY_TARBALL}")
    endif()
endif()
if(NOT EXISTS "${TSPY_TARBALL}")
    find_program(NPM_EXECUTABLE npm REQUIRED)
    file(MAKE_DIRECTORY "${TSPY_CACHE}")
    message(STATUS "Fetching tree-sitter-python ${TSPY_VERSION} with npm pack")
    execute_process(COMMAND "${NPM_EXECUTABLE}" pack "tree-sitter-python@${TSPY_VERSION}" --silent
                    WORKING_DIRECTORY "${TSPY_CACHE}" RESULT_VARIABLE _npm_rc OUTPUT_QUIET)
    if(NOT _npm_rc EQUAL 0 OR NOT EXISTS "${TSPY_TARBALL}")
        message(FATAL_ERROR "npm pack tree-sitter-python@${TSPY_VERSION} failed (${_npm_rc}). "
                            "The grammar comes from the npm registry: check npm's network access.")
    endif()
endif()
file(SHA256 "${TSPY_TARBALL}" _tspy_have)
if(NOT _tspy_have STREQUAL TSPY_SHA256)
    message(FATAL_ERROR "tree-sitter-python tarball checksum mismatch: got ${_tspy_have}, "
                        "expected ${TSPY_SHA256}. Delete ${TSPY_TARBALL} and configure again.")
endif()

set(TSPY_SRC "${CMAKE_BINARY_DIR}/_deps/tree-sitter-python")
if(NOT EXISTS "${TSPY_SRC}/.extracted-${TSPY_SHA256}")
    file(REMOVE_RECURSE "${TSPY_SRC}")
    file(ARCHIVE_EXTRACT INPUT "${TSPY_TARBALL}" DESTINATION "${TSPY_SRC}")
    file(TOUCH "${TSPY_SRC}/.extracted-${TSPY_SHA256}")
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(TREE_SITTER REQUIRED IMPORTED_TARGET tree-sitter)

add_library(tree_sitter_python STATIC
    "${TSPY_SRC}/package/src/parser.c" "${TSPY_SRC}/package/src/scanner.c")
target_include_directories(tree_sitter_python PRIVATE "${TSPY_SRC}/package/src")
set_target_properties(tree_sitter_python PROPERTIES C_STANDARD 11 POSITION_INDEPENDENT_CODE ON)
target_compile_options(tree_sitter_python PRIVATE -w)
target_link_libraries(tree_sitter_python PUBLIC PkgConfig::TREE_SITTER)
