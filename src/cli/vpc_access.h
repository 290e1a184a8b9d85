// VpcAccess: how a person on the host reaches a VPC through the daemon
// (VPC addresses are not on the host's routes). Served on fargo's own port
// under /_fargo/ (never on the tasks' API address):
//
//   POST   /_fargo/port-forward        {"Region","VpcId","Address","Port"} or
//                                      {"Region","Task","Port"}, "LocalPort"
//        -> a listener on 127.0.0.1:LocalPort relaying into the VPC
//   POST   /_fargo/port-forward/<id>/renew   keeps it (a lease, see PortForwarder)
//   DELETE /_fargo/port-forward/<id>
//   POST   /_fargo/routes              {"Region","VpcId"}: the host routes the
//                                      VPC's blocks (opt-in; refused if they overlap)
//   DELETE /_fargo/routes/<vpc-id>?Region=...
//   GET    /_fargo/routes              [{"VpcId","Cidrs"}]
//   GET    /_fargo/stats               the fabric's ENI plumbing times
//
// Names are resolved on the state thread; namespaces, routes and listeners
// are made on a pool of its own, never on the event loop or the state thread.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <string>

#include "dataplane/forward/port_forwarder.h"
#include "protocol/http_types.h"

namespace fargo {
namespace runtime {
class TaskRunner;
}
namespace server {
class Gateway;
}
namespace services {
class Ec2Service;
class EcsService;
}  // namespace services

namespace cli {

class VpcAccess {
 public:
  // REQUIRES: all outlive this object; ec2 and ecs are used on the gateway's
  // state thread only.
  VpcAccess(server::Gateway& gateway, services::Ec2Service& ec2, services::EcsService& ecs,
            runtime::TaskRunner& runner, std::string default_region);
  ~VpcAccess();  // closes every forward, waits for work under way

  // An HttpServer::AsyncLocalHandler.
  bool Handle(const protocol::HttpRequest& req, std::function<void(protocol::HttpResponse)> reply);

  // When a VPC is deleted: its routes and namespace go. On the state thread.
  void VpcDeleted(const std::string& vpc_id);

 private:
  void OpenForward(const protocol::HttpRequest& req, std::function<void(protocol::HttpResponse)> reply);
  void AddRoute(const protocol::HttpRequest& req, std::function<void(protocol::HttpResponse)> reply);

  server::Gateway& gateway_;
  services::Ec2Service& ec2_;
  services::EcsService& ecs_;
  runtime::TaskRunner& runner_;
  std::string default_region_;
  dataplane::PortForwarder forwarder_;
  boost::asio::thread_pool pool_{1};
};

}  // namespace cli
}  // namespace fargo
