#include "dataplane/sessions/port_connection.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace fargo::dataplane::sessions {

PortConnection::PortConnection(Options options) : opt_(std::move(options)) {
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { Run(); });
}

PortConnection::~PortConnection() {
  Close();
  if (thread_.joinable()) thread_.join();
  if (wake_ >= 0) ::close(wake_);
}

bool PortConnection::Send(std::string bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_ || closing_ || finishing_) return false;
    if (bytes.empty()) return true;
    if (direct_fd_ >= 0 && queued_.empty() && !thread_writing_) {
      // Nothing waits before it: written here, without waking the thread,
      // as far as the socket takes it now (the mutex keeps writers apart).
      ssize_t w = ::send(direct_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w == static_cast<ssize_t>(bytes.size())) return true;
      if (w > 0) bytes.erase(0, static_cast<size_t>(w));
      // The rest (and any error) is the thread's.
    }
    if (opt_.backlog) opt_.backlog->Add(static_cast<int64_t>(bytes.size()));
    queued_.push_back(std::move(bytes));
  }
  Wake();
  return true;
}

void PortConnection::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    finishing_ = true;
  }
  Wake();
}

void PortConnection::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  Wake();
}

void PortConnection::Wake() {
  uint64_t one = 1;
  if (wake_ >= 0) (void)!::write(wake_, &one, sizeof one);
}

void PortConnection::Run() {
  End end = End::kClosed;
  std::string error;
  {
    Result<runtime::UniqueFd> dialed = opt_.dialer->Dial(opt_.host, opt_.port);
    bool closing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing = closing_;
    }
    if (closing) {
      end = End::kClosed;
    } else if (!dialed.ok()) {
      end = End::kDialFailed;
      error = dialed.error().message;
    } else {
      std::tie(end, error) = Pump(dialed->get());
      std::lock_guard<std::mutex> lock(mu_);
      direct_fd_ = -1;  // before the socket closes
    }
  }  // the socket is closed here
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    int64_t left = 0;
    for (const std::string& b : queued_) left += static_cast<int64_t>(b.size());
    if (opt_.backlog) opt_.backlog->Release(left);
    queued_.clear();
  }
  if (opt_.ended) opt_.ended(end, error);
}

std::pair<PortConnection::End, std::string> PortConnection::Pump(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  std::deque<std::string> pending;  // taken from the queue, not written yet
  size_t written = 0;               // of pending.front()
  std::vector<char> buf(opt_.read_chunk);
  auto drop_pending = [&] {
    int64_t left = -static_cast<int64_t>(written);
    for (const std::string& b : pending) left += static_cast<int64_t>(b.size());
    if (opt_.backlog) opt_.backlog->Release(left);
  };
  for (;;) {
    bool finishing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closing_) {
        drop_pending();
        return {End::kClosed, ""};
      }
      for (std::string& b : queued_) pending.push_back(std::move(b));
      queued_.clear();
      thread_writing_ = !pending.empty();
      direct_fd_ = fd;
      finishing = finishing_;
    }
    if (finishing && pending.empty()) return {End::kClosed, ""};
    short events = static_cast<short>((finishing ? 0 : POLLIN) | (pending.empty() ? 0 : POLLOUT));
    pollfd p[2] = {{fd, events, 0}, {wake_, POLLIN, 0}};
    int r = ::poll(p, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      drop_pending();
      return {End::kEof, std::strerror(errno)};
    }
    if (p[1].revents & POLLIN) {
      uint64_t n;
      (void)!::read(wake_, &n, sizeof n);
    }
    if (!pending.empty() && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      // As much as the socket takes, in one system call.
      iovec iov[kMaxWriteBuffers];
      size_t count = 0;
      for (auto it = pending.begin(); it != pending.end() && count < kMaxWriteBuffers; ++it, ++count) {
        size_t skip = count == 0 ? written : 0;
        iov[count] = {const_cast<char*>(it->data()) + skip, it->size() - skip};
      }
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = count;
      ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
      if (w > 0) {
        if (opt_.backlog) opt_.backlog->Release(w);
        size_t done = static_cast<size_t>(w);
        while (done > 0) {
          size_t rest = pending.front().size() - written;
          if (done < rest) {
            written += done;
            break;
          }
          done -= rest;
          pending.pop_front();
          written = 0;
        }
      } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        std::string why = std::strerror(errno);
        drop_pending();
        return {finishing ? End::kClosed : End::kEof, why};
      }
    }
    if (finishing) {
      if (p[0].revents & (POLLERR | POLLHUP) && !(p[0].revents & POLLOUT)) {
        drop_pending();
        return {End::kClosed, ""};
      }
      continue;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n == 0) {
        drop_pending();
        return {End::kEof, ""};
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        std::string why = std::strerror(errno);
        drop_pending();
        return {End::kEof, why};
      }
      if (opt_.data) opt_.data(std::string(buf.data(), static_cast<size_t>(n)));
    }
  }
}

}  // namespace fargo::dataplane::sessions
