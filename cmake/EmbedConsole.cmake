# Links the console's files (src/console/assets/*) into the binary with
# .incbin, as EmbedModels.cmake does for the models: fargo serves its console
# without reading or fetching anything at run time. Sets FARGO_CONSOLE_ASSETS.
file(GLOB _console_files CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/console/assets/*")
set(_asm "${CMAKE_BINARY_DIR}/generated/embedded_console.S")
set(_cpp "${CMAKE_BINARY_DIR}/generated/embedded_console.cpp")
set(_asm_text "")
set(_decls "")
set(_entries "")
foreach(_file ${_console_files})
  get_filename_component(_name "${_file}" NAME)
  string(MAKE_C_IDENTIFIER "${_name}" sym)
  string(APPEND _asm_text
    "  .section .rodata.fargo_console_${sym},\"a\"\n"
    "  .global fargo_console_${sym}_begin\n"
    "  .global fargo_console_${sym}_end\n"
    "fargo_console_${sym}_begin:\n"
    "  .incbin \"${_file}\"\n"
    "fargo_console_${sym}_end:\n")
  string(APPEND _decls
    "extern \"C\" const unsigned char fargo_console_${sym}_begin[];\n"
    "extern \"C\" const unsigned char fargo_console_${sym}_end[];\n")
  string(APPEND _entries
    "      {\"${_name}\", fargo_console_${sym}_begin, static_cast<size_t>(fargo_console_${sym}_end - fargo_console_${sym}_begin)},\n")
endforeach()
string(APPEND _asm_text "  .section .note.GNU-stack,\"\",@progbits\n")
file(CONFIGURE OUTPUT "${_asm}" CONTENT "${_asm_text}")
file(CONFIGURE OUTPUT "${_cpp}" CONTENT
"#include \"console/console_assets.h\"\n${_decls}
namespace fargo::console {
const std::vector<ConsoleAsset>& ConsoleAssets() {
  static const std::vector<ConsoleAsset> kAssets = {
${_entries}  };
  return kAssets;
}
}  // namespace fargo::console
")
set_source_files_properties("${_asm}" PROPERTIES OBJECT_DEPENDS "${_console_files}")
set(FARGO_CONSOLE_ASSETS "${_asm}" "${_cpp}")
