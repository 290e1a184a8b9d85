#include "server/http_server.h"

namespace fargo::server {
using protocol::HttpRequest;
using protocol::HttpResponse;

namespace {

HttpListenerOptions ListenerOptions(const HttpServerOptions& o) {
  HttpListenerOptions l;
  l.idle_timeout = o.idle_timeout;
  l.max_header_bytes = o.max_header_bytes;
  l.tls = o.tls;
  l.websocket = o.websocket;
  l.server_header = "fargo";
  l.file_threads = 2;  // streamed uploads and file responses
  l.strand_per_connection = true;  // the API loop may run on several threads
  return l;
}

}  // namespace

HttpServer::HttpServer(boost::asio::io_context& io, Gateway& gateway, LocalHandler local, Options options)
    : gateway_(gateway), local_(std::move(local)), listener_(io, *this, ListenerOptions(options)) {}

Result<uint16_t> HttpServer::Start(const std::string& host, uint16_t port) { return listener_.Listen(host, port); }

void HttpServer::Stop() { listener_.Stop(); }

uint64_t HttpServer::MaxRequestBody(const HttpRequest& head) const { return gateway_.MaxRequestBody(head); }

std::unique_ptr<protocol::BodySink> HttpServer::OpenBodySink(const HttpRequest& head) const {
  return gateway_.OpenBodySink(head);
}

std::optional<HttpResponse> HttpServer::Reject(const HttpRequest& head, HttpFailure why, uint64_t size,
                                               const std::string& detail) const {
  switch (why) {
    case HttpFailure::kHeaderTooLarge:
      return gateway_.Reject(head, AwsError::Make("RequestHeaderSectionTooLarge",
                                                  "Your request header section exceeds the maximum allowed size."));
    case HttpFailure::kBodyTooLarge:
      return gateway_.Reject(head, gateway_.BodyTooLarge(head, size));
    case HttpFailure::kMalformed:
      return std::nullopt;  // not a client of an AWS API: the connection just closes
    case HttpFailure::kInternal:
      return gateway_.Reject(head, AwsError::Make("InternalFailure", "internal error", 500));
  }
  return std::nullopt;
}

void HttpServer::Handle(HttpRequest req, Respond respond) {
  if (local_) {
    if (auto resp = local_(req)) return respond(std::move(*resp));
  }
  if (async_local_ && async_local_(req, respond)) return;
  gateway_.Handle(std::move(req), std::move(respond));
}

}  // namespace fargo::server
