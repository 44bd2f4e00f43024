# Packaging: what `cmake --install` puts where, and CPack's Debian package agentrun-workbench.
#
#   cpack --config build/ci/CPackConfig.cmake -B build/ci/package     → agentrun-workbench_<ver>_<arch>.deb
#
# The package installs under /usr (CPack's default for DEB, whatever CMAKE_INSTALL_PREFIX says); the
# programs find their data in ../share/agentrun next to their own directory (core/src/sandbox/
# imagebuilder.cpp), so `agentrun image build` works from the installed tree.
# Runtime dependencies come from dpkg-shlibdeps (Debian's own library → package map), plus what no
# ELF file names: the Qt platform and SVG plugins and a Docker engine.

set(AGENTRUN_PACKAGE_NAME agentrun-workbench)
set(AGENTRUN_DATA_DEST ${CMAKE_INSTALL_DATADIR}/agentrun)
set(AGENTRUN_DOC_DEST ${CMAKE_INSTALL_DATADIR}/doc/${AGENTRUN_PACKAGE_NAME})
# Directories 0755 whatever the builder's umask (lintian: non-standard-dir-perm).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# Full RELRO for the installed programs: the GOT is read-only after start-up (lintian: hardening-no-bindnow).
foreach(_program agentrun agentrun-workbench)
    if(TARGET ${_program})
        target_link_options(${_program} PRIVATE LINKER:-z,relro,-z,now)
    endif()
endforeach()

# ---- data read at run time ----------------------------------------------------------------------------
# The sandbox image sources keep the repository layout (packaging/sandbox/Dockerfile and
# resources/agent/) because the image hash label covers their relative paths: an image built from the
# installed tree has the same hash as one built by quickstart.sh from the same sources.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sandbox/Dockerfile
        DESTINATION ${AGENTRUN_DATA_DEST}/packaging/sandbox)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/agent/
        DESTINATION ${AGENTRUN_DATA_DEST}/resources/agent
        PATTERN __pycache__ EXCLUDE PATTERN *.pyc EXCLUDE)
# The policy presets are compiled in (core/src/safety/policy.cpp); their JSON form is a starting point
# for `--policy FILE`. The examples are those of the workbench's Examples menu. The seccomp profile and
# the import-name table are compiled in (core/CMakeLists.txt, agentrun_embed_file): not installed.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/policies/ DESTINATION ${AGENTRUN_DATA_DEST}/policies)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/examples/ DESTINATION ${AGENTRUN_DATA_DEST}/examples)

# ---- desktop integration ------------------------------------------------------------------------------
if(AGENTRUN_GUI)
    # The desktop file's name matches QGuiApplication::setDesktopFileName in app/workbench/main.cpp.
    install(FILES ${PROJECT_SOURCE_DIR}/packaging/desktop/agentrun-workbench.desktop
            DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${PROJECT_SOURCE_DIR}/packaging/desktop/org.agentrun.workbench.metainfo.xml
            DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
    # The same drawing as the window icon (resources/icons/agentrun.svg, compiled into the GUI).
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/agentrun.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
            RENAME agentrun-workbench.svg)
endif()

# ---- man pages, generated from the programs' own --help ---------------------------------------------
find_program(AGENTRUN_HELP2MAN help2man)
if(AGENTRUN_HELP2MAN)
    set(_man_dir ${PROJECT_BINARY_DIR}/man)
    set(_man_pages agentrun)
    foreach(command run check serve mcp tool-schema image profile deps doctor history)
        list(APPEND _man_pages agentrun-${command})
    endforeach()
    set(_man_programs $<TARGET_FILE:agentrun>)
    if(AGENTRUN_GUI)
        list(APPEND _man_pages agentrun-workbench)
        set(_man_programs $<TARGET_FILE:agentrun> $<TARGET_FILE:agentrun-workbench>)
    endif()
    list(TRANSFORM _man_pages PREPEND ${_man_dir}/ OUTPUT_VARIABLE _man_files)
    list(TRANSFORM _man_files APPEND .1.gz)
    file(GLOB _man_includes CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/packaging/man/*.h2m)
    add_custom_command(
        OUTPUT ${_man_files}
        COMMAND ${PROJECT_SOURCE_DIR}/packaging/man/make-manpages.sh ${_man_dir} ${PROJECT_VERSION}
                ${_man_programs}
        DEPENDS ${PROJECT_SOURCE_DIR}/packaging/man/make-manpages.sh ${_man_includes} ${_man_programs}
        COMMENT "Generating man pages with help2man"
        VERBATIM)
    add_custom_target(agentrun_manpages ALL DEPENDS ${_man_files})
    install(FILES ${_man_files} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
    message(STATUS "help2man not found: no man pages (apt-get install help2man)")
endif()

# ---- Debian documentation files -----------------------------------------------------------------------
# A native package: changelog.gz and copyright in /usr/share/doc/<package>/ (Debian policy 12.5, 12.7).
set(AGENTRUN_PACKAGE_MAINTAINER "AgentRun Workbench maintainers <maintainers@agentrun-workbench.invalid>"
    CACHE STRING "Maintainer field of the .deb (Name <address>)")
string(TIMESTAMP AGENTRUN_PACKAGE_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${PROJECT_SOURCE_DIR}/packaging/deb/changelog.in ${PROJECT_BINARY_DIR}/deb/changelog @ONLY)
add_custom_command(
    OUTPUT ${PROJECT_BINARY_DIR}/deb/changelog.gz
    COMMAND gzip -9nf -k ${PROJECT_BINARY_DIR}/deb/changelog
    DEPENDS ${PROJECT_BINARY_DIR}/deb/changelog
    VERBATIM)
add_custom_target(agentrun_deb_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/deb/changelog.gz)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/deb/copyright ${PROJECT_BINARY_DIR}/deb/changelog.gz
        DESTINATION ${AGENTRUN_DOC_DEST})

# ---- CPack: one .deb ----------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${AGENTRUN_PACKAGE_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "AgentRun Workbench")
set(CPACK_PACKAGE_CONTACT "${AGENTRUN_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "run LLM-generated Python safely in hardened containers")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # agentrun-workbench_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${AGENTRUN_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Extended description (the synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY): CPack indents the lines and
# turns an empty line into " ."; lines stay under 80 columns (lintian).
if(AGENTRUN_GUI)
    set(_deb_contents "This package holds the Qt desktop workbench (agentrun-workbench), the
command-line tool and AgentRun-compatible REST server (agentrun), the sources
of the sandbox image (agentrun image build), the policy presets and the
examples.")
else()
    set(_deb_contents "This package holds the command-line tool and AgentRun-compatible REST server
(agentrun), the sources of the sandbox image (agentrun image build), the
policy presets and the examples.")
endif()
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "AgentRun Workbench runs the Python code a language model wrote without
letting it touch the machine: every run gets a fresh, network-less container
with a read-only root, no capabilities, a seccomp profile and hard limits on
time, memory, processes and output, behind a static safety check that says
what it blocked and where.

${_deb_contents}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not named by any ELF file: the Qt platform plugins (xcb) and the SVG icon/image plugins the GUI loads
# at run time, and the container engine the programs talk to over its socket.
set(_deb_depends "docker.io | docker-ce | docker-engine")
if(AGENTRUN_GUI)
    string(PREPEND _deb_depends "qt6-qpa-plugins, libqt6svg6, ")
    set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_deb_depends}")
include(CPack)
