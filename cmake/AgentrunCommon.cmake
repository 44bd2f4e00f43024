# One INTERFACE target carries the build settings every project target shares.
add_library(agentrun_common INTERFACE)
target_compile_features(agentrun_common INTERFACE cxx_std_23)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_options(agentrun_common INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual)
if(AGENTRUN_WERROR)
    target_compile_options(agentrun_common INTERFACE -Werror)
endif()
target_compile_definitions(agentrun_common INTERFACE
    QT_NO_CONTEXTLESS_CONNECT QT_NO_NARROWING_CONVERSIONS_IN_CONNECT QT_USE_QSTRINGBUILDER
    QT_NO_KEYWORDS)
