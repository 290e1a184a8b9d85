# Links models/<service>.json.gz into the binary with .incbin, so fargo needs
# neither Python nor botocore at run time. tools/vendor_models.py refreshes them.
# The list of models is models/models.txt, which the vendoring script reads too.
include(${CMAKE_CURRENT_LIST_DIR}/EmbedFiles.cmake)
file(STRINGS "${CMAKE_SOURCE_DIR}/models/models.txt" FARGO_MODEL_SERVICES REGEX "^[a-z0-9-]+$")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/models/models.txt")
set(_files "")
foreach(svc ${FARGO_MODEL_SERVICES})
  list(APPEND _files "${CMAKE_SOURCE_DIR}/models/${svc}.json.gz")
endforeach()
fargo_embed_files(FARGO_EMBEDDED_MODELS STEM embedded_models PREFIX fargo_model HEADER protocol/embedded_models.h
                  NAMESPACE fargo::protocol TYPE EmbeddedModel FUNCTION EmbeddedModels
                  NAMES ${FARGO_MODEL_SERVICES} FILES ${_files})
