#include "runtime/pause_image.h"

#include "runtime/tar_writer.h"

extern "C" const unsigned char fargo_pause_begin[];
extern "C" const unsigned char fargo_pause_end[];

namespace fargo::runtime {

std::string_view EmbeddedPauseBinary() {
  return std::string_view(reinterpret_cast<const char*>(fargo_pause_begin),
                          static_cast<size_t>(fargo_pause_end - fargo_pause_begin));
}

std::string PauseRootfsTar() {
  TarWriter tar;
  for (const char* dir : {"dev", "etc", "proc", "sys", "tmp"}) tar.AddDirectory(dir);
  tar.AddFile("etc/passwd", "root:x:0:0:root:/:/pause\nnobody:x:65534:65534:nobody:/:/pause\n");
  tar.AddFile("etc/group", "root:x:0:\nnobody:x:65534:\n");
  tar.AddFile("pause", EmbeddedPauseBinary(), 0755);
  return tar.Finish();
}

Status EnsurePauseImage(EngineClient& engine) {
  auto existing = engine.ImageInspect(kPauseImage);
  if (existing.ok()) return OkStatus();
  if (!IsNotFound(existing.error())) return existing.error();
  // Only the changes every engine's import accepts (Docker refuses
  // STOPSIGNAL there); the stop signal is the default SIGTERM, which
  // fargo-pause handles.
  auto id = engine.ImageImportTar(PauseRootfsTar(), kPauseImage,
                                  {"ENTRYPOINT [\"/pause\"]", "LABEL fargo.managed=true"});
  if (!id.ok()) {
    AwsError e = id.error();
    e.message = std::string("importing the sandbox image ") + kPauseImage + ": " + e.message;
    return e;
  }
  return OkStatus();
}

}  // namespace fargo::runtime
