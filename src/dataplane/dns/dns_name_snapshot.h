// DnsNameSnapshot: the current DnsNameTable, handed from the thread that
// builds it (the state thread) to the resolver's thread. Publish swaps in a
// new immutable table atomically; readers keep the table they loaded alive
// for as long as they use it. No locks on the resolver's path, no races.
#pragma once

#include <atomic>
#include <memory>

#include "dataplane/dns/dns_name_table.h"
#include "dataplane/dns/dns_resolver.h"

namespace fargo::dataplane::dns {

class DnsNameSnapshot {
 public:
  DnsNameSnapshot() : table_(std::make_shared<const DnsNameTable>()) {}

  // Any thread.
  void Publish(std::shared_ptr<const DnsNameTable> table) {
    table_.store(table ? std::move(table) : std::make_shared<const DnsNameTable>());
  }
  std::shared_ptr<const DnsNameTable> Current() const { return table_.load(); }

  // A DnsResolver::NameSource reading the current table. REQUIRES: this
  // snapshot outlives the source.
  DnsResolver::NameSource Source() const {
    return [this](const std::string& vpc_id, const std::string& name) { return Current()->Find(vpc_id, name); };
  }

 private:
  std::atomic<std::shared_ptr<const DnsNameTable>> table_;
};

}  // namespace fargo::dataplane::dns
