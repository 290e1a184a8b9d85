#include "runtime/netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "runtime/netlink.h"

namespace fargo::runtime {

namespace {

AwsError Errno(const std::string& what, int err) {
  if (err == EPERM || err == EACCES)
    return AwsError::Make("AccessDenied", what + " needs CAP_SYS_ADMIN and CAP_NET_ADMIN (run fargo as root): " +
                                              strerror(err), 500);
  return AwsError::Make("InternalError", what + ": " + strerror(err), 500);
}

std::string PathOf(const std::string& name) { return std::string(kNetnsDir) + "/" + name; }

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

Status CreateNamedNetns(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    return AwsError::Make("InvalidParameter", "bad namespace name: " + name, 500);
  if (OpenNamedNetns(name).ok()) return OkStatus();
  if (mkdir(kNetnsDir, 0755) != 0 && errno != EEXIST) return Errno(std::string("creating ") + kNetnsDir, errno);
  // As `ip netns add` does: /run/netns is a shared mount of its own, so a
  // later `ip netns` (or an engine) that makes it one does not cover the
  // namespaces bound under it before.
  for (bool bound = false; mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) != 0; bound = true) {
    if (errno != EINVAL || bound) return Errno(std::string("making ") + kNetnsDir + " a shared mount", errno);
    if (mount(kNetnsDir, kNetnsDir, "none", MS_BIND | MS_REC, nullptr) != 0)
      return Errno(std::string("binding ") + kNetnsDir, errno);
  }
  std::string path = PathOf(name);
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0 && errno != EEXIST) return Errno("creating " + path, errno);
  if (fd >= 0) close(fd);
  // A new namespace on a thread of its own, bound to the file before the
  // thread ends.
  Status st = OkStatus();
  std::thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      st = Errno("creating a network namespace", errno);
      return;
    }
    std::string self = "/proc/self/task/" + std::to_string(syscall(SYS_gettid)) + "/ns/net";
    if (mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
      st = Errno("binding the namespace to " + path, errno);
      return;
    }
    // The loopback of a new namespace is down.
    auto nl = Netlink::Open();
    st = nl.ok() ? nl->SetUp("lo") : Status(nl.error());
  }).join();
  if (!st.ok()) {
    umount2(path.c_str(), MNT_DETACH);
    unlink(path.c_str());
  }
  return st;
}

Result<UniqueFd> OpenNamedNetns(const std::string& name) {
  std::string path = PathOf(name);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return AwsError::Make(kNetnsNotFound, "no network namespace " + name, 404);
    return Errno("opening " + path, errno);
  }
  UniqueFd owned(fd);
  // A file that is not (or no longer) a namespace mount: a leftover.
  struct stat st {};
  struct stat root {};
  if (fstat(fd, &st) == 0 && stat(kNetnsDir, &root) == 0 && st.st_dev == root.st_dev)
    return AwsError::Make(kNetnsNotFound, "no network namespace " + name + " (stale file)", 404);
  return owned;
}

Status RemoveNamedNetns(const std::string& name) {
  std::string path = PathOf(name);
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return Errno("unmounting " + path, errno);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("removing " + path, errno);
  return OkStatus();
}

std::vector<std::string> ListNamedNetns(const std::string& prefix) {
  std::vector<std::string> out;
  DIR* d = opendir(kNetnsDir);
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != ".." && n.rfind(prefix, 0) == 0) out.push_back(n);
  }
  closedir(d);
  return out;
}

Result<UniqueFd> OpenProcessNetns(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return AwsError::Make(kNetnsNotFound, "no process " + std::to_string(pid), 404);
    return Errno("opening " + path, errno);
  }
  return UniqueFd(fd);
}

Status RunInNetns(int netns_fd, const std::function<Status()>& fn) {
  Status st = OkStatus();
  std::thread([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      st = Errno("entering a network namespace", errno);
      return;
    }
    st = fn();
  }).join();
  return st;
}

Status SetNetnsSysctl(int netns_fd, const std::string& key, const std::string& value) {
  return RunInNetns(netns_fd, [&]() -> Status {
    // /proc/sys/net answers for the namespace of the thread that opens it.
    std::string path = "/proc/sys/" + key;
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Errno("opening " + path, errno);
    UniqueFd owned(fd);
    if (write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      return Errno("writing " + path, errno);
    return OkStatus();
  });
}

}  // namespace fargo::runtime
