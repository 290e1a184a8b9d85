// S3 wire helpers: XML bodies, S3-shaped errors, and request XML parsing.
#pragma once

#include <pugixml.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/http_types.h"

namespace fargo::services::s3 {

using protocol::HttpResponse;

constexpr char kXmlns[] = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr char kXmlDecl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// Appends <name>escaped text</name>.
void Tag(std::string& out, std::string_view name, std::string_view text);
// "true" / "false".
inline const char* BoolText(bool b) { return b ? "true" : "false"; }

// A 200 (or `status`) response with an XML body (the declaration is added).
HttpResponse XmlResponse(std::string body, int status = 200);
// An empty response with `status`.
HttpResponse EmptyResponse(int status);

// An S3 error document. `extra` adds elements such as BucketName or Key.
// HEAD requests get the status and headers only.
HttpResponse ErrorResponse(std::string_view code, std::string_view message, int status,
                           const std::vector<std::pair<std::string, std::string>>& extra = {});

// Parses a request body as XML; nullptr when malformed or empty.
std::unique_ptr<pugi::xml_document> ParseXml(std::string_view body);
// The text of child `name` of `node` (names compared without namespace prefix).
std::string ChildText(const pugi::xml_node& node, const char* name);
pugi::xml_node Child(const pugi::xml_node& node, const char* name);
// Children of `node` named `name`.
std::vector<pugi::xml_node> Children(const pugi::xml_node& node, const char* name);

// The document's root element serialized without the XML declaration, with
// the S3 namespace on the root.
std::string CanonicalXml(const pugi::xml_document& doc);

}  // namespace fargo::services::s3
