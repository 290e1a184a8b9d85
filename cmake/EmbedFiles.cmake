# fargo_embed_files(<out-var> STEM <stem> PREFIX <symbol-prefix> HEADER <header>
#                   NAMESPACE <ns> TYPE <entry-type> FUNCTION <accessor>
#                   NAMES <name>... FILES <file>...)
# Links each file into the binary with .incbin and generates <accessor>(), a
# table of {name, begin, size} entries of <entry-type> declared in <header>.
# Sets <out-var> to the generated assembly and C++ sources. The models
# (EmbedModels.cmake) and the console's assets (EmbedConsole.cmake) use it.
function(fargo_embed_files out_var)
  cmake_parse_arguments(E "" "STEM;PREFIX;HEADER;NAMESPACE;TYPE;FUNCTION" "NAMES;FILES" ${ARGN})
  set(_asm "${CMAKE_BINARY_DIR}/generated/${E_STEM}.S")
  set(_cpp "${CMAKE_BINARY_DIR}/generated/${E_STEM}.cpp")
  set(_asm_text "")
  set(_decls "")
  set(_entries "")
  foreach(_name _file IN ZIP_LISTS E_NAMES E_FILES)
    # Symbols take the name with what C does not allow made '_'.
    string(MAKE_C_IDENTIFIER "${_name}" sym)
    set(s "${E_PREFIX}_${sym}")
    string(APPEND _asm_text
      "  .section .rodata.${s},\"a\"\n"
      "  .global ${s}_begin\n"
      "  .global ${s}_end\n"
      "${s}_begin:\n"
      "  .incbin \"${_file}\"\n"
      "${s}_end:\n")
    string(APPEND _decls
      "extern \"C\" const unsigned char ${s}_begin[];\n"
      "extern \"C\" const unsigned char ${s}_end[];\n")
    string(APPEND _entries
      "      {\"${_name}\", ${s}_begin, static_cast<size_t>(${s}_end - ${s}_begin)},\n")
  endforeach()
  string(APPEND _asm_text "  .section .note.GNU-stack,\"\",@progbits\n")
  file(CONFIGURE OUTPUT "${_asm}" CONTENT "${_asm_text}")
  file(CONFIGURE OUTPUT "${_cpp}" CONTENT
"#include \"${E_HEADER}\"\n${_decls}
namespace ${E_NAMESPACE} {
const std::vector<${E_TYPE}>& ${E_FUNCTION}() {
  static const std::vector<${E_TYPE}> kEntries = {
${_entries}  };
  return kEntries;
}
}  // namespace ${E_NAMESPACE}
")
  set_source_files_properties("${_asm}" PROPERTIES OBJECT_DEPENDS "${E_FILES}")
  set(${out_var} "${_asm}" "${_cpp}" PARENT_SCOPE)
endfunction()
