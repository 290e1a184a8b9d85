#include "services/s3/xml_util.h"

#include <cstring>
#include <sstream>

#include "common/strings.h"
#include "protocol/codec.h"

namespace fargo::services::s3 {

void Tag(std::string& out, std::string_view name, std::string_view text) {
  out += "<";
  out += name;
  out += ">";
  out += XmlEscape(text);
  out += "</";
  out += name;
  out += ">";
}

HttpResponse XmlResponse(std::string body, int status) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/xml");
  r.body = kXmlDecl + body;
  return r;
}

HttpResponse EmptyResponse(int status) {
  HttpResponse r;
  r.status = status;
  return r;
}

HttpResponse ErrorResponse(std::string_view code, std::string_view message, int status,
                           const std::vector<std::pair<std::string, std::string>>& extra) {
  // The codec writes the document; S3Service::InvokeRest adds the request id.
  AwsError e = AwsError::Make(std::string(code), std::string(message), status);
  e.details = extra;
  return protocol::EncodeRestXmlError(e, "");
}

std::unique_ptr<pugi::xml_document> ParseXml(std::string_view body) {
  auto doc = std::make_unique<pugi::xml_document>();
  auto res = doc->load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!res || !doc->document_element()) return nullptr;
  return doc;
}

namespace {
bool NameIs(const pugi::xml_node& n, const char* name) {
  const char* full = n.name();
  const char* colon = std::strchr(full, ':');
  return std::strcmp(colon ? colon + 1 : full, name) == 0;
}
}  // namespace

pugi::xml_node Child(const pugi::xml_node& node, const char* name) {
  for (auto c : node.children())
    if (c.type() == pugi::node_element && NameIs(c, name)) return c;
  return {};
}

std::string ChildText(const pugi::xml_node& node, const char* name) {
  return Child(node, name).text().as_string();
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& node, const char* name) {
  std::vector<pugi::xml_node> out;
  for (auto c : node.children())
    if (c.type() == pugi::node_element && NameIs(c, name)) out.push_back(c);
  return out;
}

std::string CanonicalXml(const pugi::xml_document& doc) {
  pugi::xml_document copy;
  auto root = copy.append_copy(doc.document_element());
  if (!root.attribute("xmlns")) root.prepend_attribute("xmlns") = kXmlns;
  std::ostringstream os;
  copy.save(os, "", pugi::format_raw | pugi::format_no_declaration);
  return os.str();
}

}  // namespace fargo::services::s3
