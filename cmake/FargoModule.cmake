# fargo_module_headers(<target> <path under src/>...): puts only the named
# folders (or single headers) of src/ on <target>'s include path, under their
# usual names ("services/ecs/ecs_service.h"). A module thus sees the headers
# of what it links and nothing else: an #include of an undeclared module does
# not compile. The folders are symlinked into build/include/<target>/.
function(fargo_module_headers target)
  set(root "${CMAKE_BINARY_DIR}/include/${target}")
  foreach(path ${ARGN})
    get_filename_component(parent "${root}/${path}" DIRECTORY)
    file(MAKE_DIRECTORY "${parent}")
    if(NOT EXISTS "${root}/${path}")
      file(CREATE_LINK "${CMAKE_SOURCE_DIR}/src/${path}" "${root}/${path}" SYMBOLIC)
    endif()
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE "${root}")
  elseif(type STREQUAL "EXECUTABLE")
    target_include_directories(${target} PRIVATE "${root}")
  else()
    target_include_directories(${target} PUBLIC "${root}")
  endif()
endfunction()
