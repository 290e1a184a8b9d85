#include "runtime/stream_demuxer.h"

#include <algorithm>

namespace fargo::runtime {

void StreamDemuxer::Feed(std::string_view bytes) {
  if (raw_) {
    if (!bytes.empty()) fn_(StreamKind::kStdout, bytes);
    return;
  }
  while (!bytes.empty()) {
    if (remaining_ == 0) {
      size_t take = std::min(bytes.size(), sizeof header_ - header_len_);
      std::copy_n(bytes.data(), take, header_ + header_len_);
      header_len_ += take;
      bytes.remove_prefix(take);
      if (header_len_ < sizeof header_) return;
      header_len_ = 0;
      kind_ = header_[0] <= 2 ? static_cast<StreamKind>(header_[0]) : StreamKind::kStdout;
      remaining_ = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) |
                   (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
      continue;
    }
    size_t take = std::min<size_t>(bytes.size(), remaining_);
    fn_(kind_, bytes.substr(0, take));
    remaining_ -= static_cast<uint32_t>(take);
    bytes.remove_prefix(take);
  }
}

}  // namespace fargo::runtime
