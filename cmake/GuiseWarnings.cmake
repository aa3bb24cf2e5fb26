# Warnings are errors in this project's own code (not in consumers of the installed package).
add_library(guise_warnings INTERFACE)
target_compile_options(guise_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough -Wold-style-cast
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>)

# guise_target(<name>): the project's defaults for a target it builds itself.
function(guise_target name)
  target_link_libraries(${name} PRIVATE $<BUILD_INTERFACE:guise_warnings>)
endfunction()
