# The mini binary loads libcurl, libarchive, libisal, libnftables and libcrypto on
# first use (src/lazy/lazy_library.h): `mini run` with a pulled image never
# needs them, and loading them with their ~45 dependencies at exec took
# longer than the rest of a container start. Tests link them directly.
#
# How: the shims are object files, so their definitions come first on the
# link line, and --as-needed then drops the real libraries from the
# binary's DT_NEEDED. A call with no shim yet still links (against the real
# library, loaded at exec as before); `ldd build/mini` shows it.
option(MINI_LAZY_LIBS "Load libcurl, libarchive, libnftables and libcrypto on first use" ON)
if(NOT MINI_LAZY_LIBS)
  return()
endif()

# The SONAME a shared library is loaded by, e.g. libcurl.so.4.
function(mini_soname out)
  foreach(candidate IN LISTS ARGN)
    if(candidate MATCHES "\\.so" AND EXISTS "${candidate}")
      execute_process(COMMAND ${CMAKE_OBJDUMP} -p "${candidate}" OUTPUT_VARIABLE dump ERROR_QUIET)
      if(dump MATCHES "SONAME +([^\n ]+)")
        set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
  message(FATAL_ERROR "no SONAME found for ${out} in '${ARGN}'; configure with -DMINI_LAZY_LIBS=OFF")
endfunction()

mini_soname(MINI_SONAME_CURL ${CURL_LIBRARIES} ${CURL_LIBRARY_RELEASE} ${CURL_LIBRARY})
mini_soname(MINI_SONAME_ARCHIVE ${LIBARCHIVE_LINK_LIBRARIES})
mini_soname(MINI_SONAME_CRYPTO ${OPENSSL_CRYPTO_LIBRARY})
mini_soname(MINI_SONAME_ISAL ${LIBISAL_LINK_LIBRARIES})

add_library(mini_lazy OBJECT src/lazy/lazy_library.cc src/lazy/curl_shim.cc src/lazy/archive_shim.cc
                             src/lazy/crypto_shim.cc src/lazy/isal_shim.cc)
target_compile_definitions(mini_lazy PRIVATE MINI_SONAME_CURL="${MINI_SONAME_CURL}"
                                             MINI_SONAME_ARCHIVE="${MINI_SONAME_ARCHIVE}"
                                             MINI_SONAME_CRYPTO="${MINI_SONAME_CRYPTO}"
                                             MINI_SONAME_ISAL="${MINI_SONAME_ISAL}")
target_include_directories(mini_lazy PRIVATE src
  $<TARGET_PROPERTY:CURL::libcurl,INTERFACE_INCLUDE_DIRECTORIES>
  $<TARGET_PROPERTY:PkgConfig::LIBARCHIVE,INTERFACE_INCLUDE_DIRECTORIES>
  $<TARGET_PROPERTY:PkgConfig::LIBISAL,INTERFACE_INCLUDE_DIRECTORIES>
  ${OPENSSL_INCLUDE_DIR})
if(LIBNFTABLES_FOUND)
  mini_soname(MINI_SONAME_NFTABLES ${LIBNFTABLES_LINK_LIBRARIES})
  target_sources(mini_lazy PRIVATE src/lazy/nftables_shim.cc)
  target_compile_definitions(mini_lazy PRIVATE MINI_SONAME_NFTABLES="${MINI_SONAME_NFTABLES}")
  target_include_directories(mini_lazy PRIVATE $<TARGET_PROPERTY:PkgConfig::LIBNFTABLES,INTERFACE_INCLUDE_DIRECTORIES>)
endif()
target_link_libraries(mini PRIVATE mini_lazy ${CMAKE_DL_LIBS})
target_link_options(mini PRIVATE LINKER:--as-needed)
