// Session Manager's own documents (SSM-SessionManagerRunShell and the
// AWS-Start* session documents) as GetDocument and DescribeDocument give
// them and StartSession runs them: their session type, parameters (with
// allowed patterns and defaults) and properties.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace fargo::services::ssm {

struct SessionDocument {
  const char* name;
  const char* description;
  boost::json::object content;  // the document itself (schemaVersion 1.0)
};

const std::vector<SessionDocument>& Documents();
// The document `name` names (a name or an ARN ending in it), or nullptr.
const SessionDocument* FindDocument(const std::string& name);

}  // namespace fargo::services::ssm
