# Links models/<service>.json.gz into the binary with .incbin, so fargo needs
# neither Python nor botocore at run time. tools/vendor_models.py refreshes them.
# The list of models is models/models.txt, which the vendoring script reads too.
file(STRINGS "${CMAKE_SOURCE_DIR}/models/models.txt" FARGO_MODEL_SERVICES REGEX "^[a-z0-9-]+$")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/models/models.txt")
set(_asm "${CMAKE_BINARY_DIR}/generated/embedded_models.S")
set(_cpp "${CMAKE_BINARY_DIR}/generated/embedded_models.cpp")
set(_asm_text "")
set(_decls "")
set(_entries "")
set(_deps "")
foreach(svc ${FARGO_MODEL_SERVICES})
  set(_file "${CMAKE_SOURCE_DIR}/models/${svc}.json.gz")
  list(APPEND _deps "${_file}")
  # Symbols take the name with '-' made '_' (application-autoscaling).
  string(MAKE_C_IDENTIFIER "${svc}" sym)
  string(APPEND _asm_text
    "  .section .rodata.fargo_model_${sym},\"a\"\n"
    "  .global fargo_model_${sym}_begin\n"
    "  .global fargo_model_${sym}_end\n"
    "fargo_model_${sym}_begin:\n"
    "  .incbin \"${_file}\"\n"
    "fargo_model_${sym}_end:\n")
  string(APPEND _decls
    "extern \"C\" const unsigned char fargo_model_${sym}_begin[];\n"
    "extern \"C\" const unsigned char fargo_model_${sym}_end[];\n")
  string(APPEND _entries
    "      {\"${svc}\", fargo_model_${sym}_begin, static_cast<size_t>(fargo_model_${sym}_end - fargo_model_${sym}_begin)},\n")
endforeach()
string(APPEND _asm_text "  .section .note.GNU-stack,\"\",@progbits\n")
file(CONFIGURE OUTPUT "${_asm}" CONTENT "${_asm_text}")
file(CONFIGURE OUTPUT "${_cpp}" CONTENT
"#include \"protocol/embedded_models.h\"\n${_decls}
namespace fargo::protocol {
const std::vector<EmbeddedModel>& EmbeddedModels() {
  static const std::vector<EmbeddedModel> kModels = {
${_entries}  };
  return kModels;
}
}  // namespace fargo::protocol
")
set_source_files_properties("${_asm}" PROPERTIES OBJECT_DEPENDS "${_deps}")
set(FARGO_EMBEDDED_MODELS "${_asm}" "${_cpp}")
