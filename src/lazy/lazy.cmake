# The mini binary loads the libraries of src/lazy/symbols.txt (libcurl,
# libarchive, libcrypto, ISA-L, libnftables) on first use: `mini run` with a
# pulled image never needs them, and loading them with their ~45
# dependencies at exec took longer than the rest of a container start.
# src/lazy/lazy_library.h says how, and what happens when one is missing.
# Tests link the libraries directly.
#
# How it links: the generated shims are object files of mini, so their
# definitions come before any library on the link line, and --as-needed then
# drops the real libraries from the binary's DT_NEEDED.
option(MINI_LAZY_LIBS "Load libcurl, libarchive, libcrypto, ISA-L and libnftables on first use" ON)
if(NOT MINI_LAZY_LIBS)
  return()
endif()

set(MINI_LAZY_LIST ${CMAKE_SOURCE_DIR}/src/lazy/symbols.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${MINI_LAZY_LIST})

# The shared library an imported target links, e.g. /usr/lib/.../libcurl.so.
function(mini_lazy_library_file out target)
  set(properties IMPORTED_LOCATION)
  get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
  foreach(config IN LISTS configs)
    list(APPEND properties IMPORTED_LOCATION_${config})
  endforeach()
  list(APPEND properties INTERFACE_LINK_LIBRARIES)
  set(candidates "")
  foreach(property IN LISTS properties)
    get_target_property(value ${target} ${property})
    if(value)
      list(APPEND candidates ${value})
    endif()
  endforeach()
  foreach(candidate IN LISTS candidates)
    if(candidate MATCHES "\\.so" AND EXISTS "${candidate}")
      set(${out} "${candidate}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "${target} links no shared library (${candidates}); configure with -DMINI_LAZY_LIBS=OFF")
endfunction()

# What the error of a missing library says to install: the package that
# ships it on this build machine and its version, else the soname.
function(mini_lazy_install out library_file soname)
  set(${out} "the package that ships ${soname}" PARENT_SCOPE)
  get_filename_component(directory "${library_file}" DIRECTORY)
  execute_process(COMMAND dpkg-query -S "${directory}/${soname}" OUTPUT_VARIABLE owner ERROR_QUIET)
  if(owner MATCHES "^([^:,]+)")
    set(package "${CMAKE_MATCH_1}")
    execute_process(COMMAND dpkg-query -W -f=\${Version} "${package}" OUTPUT_VARIABLE version ERROR_QUIET)
    set(${out} "${package} (mini was built with ${version})" PARENT_SCOPE)
  endif()
endfunction()

# One `--library KEY SONAME INSTALL` per `library` line of the list.
file(STRINGS ${MINI_LAZY_LIST} library_lines REGEX "^library ")
set(MINI_LAZY_SONAMES "")
set(library_args "")
set(include_args "")
set(generated "")
foreach(line IN LISTS library_lines)
  string(REGEX REPLACE " +" ";" words "${line}")
  list(GET words 1 key)
  list(GET words 2 target)
  mini_lazy_library_file(library_file ${target})
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p "${library_file}" OUTPUT_VARIABLE dump ERROR_QUIET)
  if(NOT dump MATCHES "SONAME +([^\n ]+)")
    message(FATAL_ERROR "no SONAME in ${library_file} (${target}); configure with -DMINI_LAZY_LIBS=OFF")
  endif()
  set(soname ${CMAKE_MATCH_1})
  mini_lazy_install(install "${library_file}" ${soname})
  list(APPEND MINI_LAZY_SONAMES ${soname})
  list(APPEND library_args --library ${key} ${soname} "${install}")
  list(APPEND include_args "--include=$<JOIN:$<TARGET_PROPERTY:${target},INTERFACE_INCLUDE_DIRECTORIES>,:>")
  list(APPEND generated ${CMAKE_BINARY_DIR}/generated/lazy/${key}.cc)
  list(APPEND MINI_LAZY_TARGETS ${target})
endforeach()

add_custom_command(
  OUTPUT ${generated} ${CMAKE_BINARY_DIR}/generated/lazy/libraries.h
  COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/src/lazy/generate.py --symbols ${MINI_LAZY_LIST}
          --out ${CMAKE_BINARY_DIR}/generated --cc ${CMAKE_C_COMPILER} ${include_args} ${library_args}
  DEPENDS ${MINI_LAZY_LIST} ${CMAKE_SOURCE_DIR}/src/lazy/generate.py
  COMMENT "Generating the lazy-loading shims of src/lazy/symbols.txt"
  COMMAND_EXPAND_LISTS VERBATIM)

add_library(mini_lazy OBJECT src/lazy/lazy_library.cc src/lazy/variadic.cc ${generated})
target_include_directories(mini_lazy PRIVATE src ${CMAKE_BINARY_DIR}/generated)
foreach(target IN LISTS MINI_LAZY_TARGETS)
  target_include_directories(mini_lazy PRIVATE $<TARGET_PROPERTY:${target},INTERFACE_INCLUDE_DIRECTORIES>)
endforeach()
target_link_libraries(mini PRIVATE mini_lazy ${CMAKE_DL_LIBS})
target_link_options(mini PRIVATE LINKER:--as-needed)

# The shims only pay if none of these is loaded at exec.
add_test(NAME lazy_not_needed COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/tests/check_lazy_needed.py
                                      $<TARGET_FILE:mini> ${MINI_LAZY_SONAMES})
set_tests_properties(lazy_not_needed PROPERTIES LABELS unit)
