# Links the console's files (src/console/assets/*) into the binary with
# .incbin, as the models are: fargo serves its console without reading or
# fetching anything at run time. Sets FARGO_CONSOLE_ASSETS.
include(${CMAKE_CURRENT_LIST_DIR}/EmbedFiles.cmake)
file(GLOB _console_files CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/console/assets/*")
set(_names "")
foreach(_file ${_console_files})
  get_filename_component(_name "${_file}" NAME)
  list(APPEND _names "${_name}")
endforeach()
fargo_embed_files(FARGO_CONSOLE_ASSETS STEM embedded_console PREFIX fargo_console HEADER console/console_assets.h
                  NAMESPACE fargo::console TYPE ConsoleAsset FUNCTION ConsoleAssets
                  NAMES ${_names} FILES ${_console_files})
