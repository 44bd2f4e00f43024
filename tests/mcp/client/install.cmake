# Test set-up of mcp.client: the pinned MCP client into DEST with `npm ci` (versions and sha512 checksums
# from package-lock.json; the lock file carries no registry address, so npm's configured registry is used),
# then the test scripts beside it, where Node.js resolves its imports from DEST/node_modules.
# Usage: cmake -DSOURCE=<this folder> -DDEST=<build folder> -DNPM=<npm> -P install.cmake
file(MAKE_DIRECTORY "${DEST}")
file(SHA256 "${SOURCE}/package-lock.json" lock_hash)
set(stamp "${DEST}/node_modules/.agentrun-lock-${lock_hash}")
if(NOT EXISTS "${stamp}")
    file(REMOVE_RECURSE "${DEST}/node_modules")
    configure_file("${SOURCE}/package.json" "${DEST}/package.json" COPYONLY)
    configure_file("${SOURCE}/package-lock.json" "${DEST}/package-lock.json" COPYONLY)
    message(STATUS "Installing the pinned MCP client with npm ci")
    execute_process(COMMAND "${NPM}" ci --ignore-scripts --no-audit --no-fund
                    WORKING_DIRECTORY "${DEST}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "npm ci of the MCP client failed (${rc}): it comes from the npm registry, so "
                            "check npm's network access; a checksum mismatch means a package changed.")
    endif()
    file(TOUCH "${stamp}")
endif()
configure_file("${SOURCE}/client.test.mjs" "${DEST}/client.test.mjs" COPYONLY)
configure_file("${SOURCE}/http.test.mjs" "${DEST}/http.test.mjs" COPYONLY)
