#include "services/ssm/session_documents.h"

#include "common/strings.h"

namespace fargo::services::ssm {
namespace json = boost::json;

namespace {

const char* kPortPattern =
    "^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";
const char* kLocalPortPattern =
    "^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";

json::object Param(const char* description, const char* pattern = nullptr, const char* def = nullptr) {
  json::object p{{"type", "String"}, {"description", description}};
  if (pattern) p["allowedPattern"] = pattern;
  if (def) p["default"] = def;
  return p;
}

}  // namespace

const std::vector<SessionDocument>& Documents() {
  static const std::vector<SessionDocument> kDocs = [] {
    std::vector<SessionDocument> d;
    d.push_back({"SSM-SessionManagerRunShell", "Document to hold regional settings for Session Manager",
                 json::object{{"schemaVersion", "1.0"},
                              {"description", "Document to hold regional settings for Session Manager"},
                              {"sessionType", "Standard_Stream"},
                              {"inputs", json::object{{"s3BucketName", ""},
                                                      {"s3KeyPrefix", ""},
                                                      {"s3EncryptionEnabled", true},
                                                      {"cloudWatchLogGroupName", ""},
                                                      {"cloudWatchEncryptionEnabled", true},
                                                      {"cloudWatchStreamingEnabled", false},
                                                      {"kmsKeyId", ""},
                                                      {"runAsEnabled", false},
                                                      {"runAsDefaultUser", ""},
                                                      {"idleSessionTimeout", ""},
                                                      {"maxSessionDuration", ""},
                                                      {"shellProfile", json::object{{"windows", ""}, {"linux", ""}}}}}}});
    json::object cmd{{"commands", "{{command}}"}, {"runAsElevated", false}};
    d.push_back({"AWS-StartInteractiveCommand", "Document to run single interactive command on an instance",
                 json::object{{"schemaVersion", "1.0"},
                              {"description", "Document to run single interactive command on an instance"},
                              {"sessionType", "InteractiveCommands"},
                              {"parameters", json::object{{"command", Param("The command to run on the instance")}}},
                              {"properties", json::object{{"windows", cmd}, {"linux", cmd}, {"macos", cmd}}}}});
    d.push_back({"AWS-StartPortForwardingSession", "Document to start port forwarding session over Session Manager",
                 json::object{
                     {"schemaVersion", "1.0"},
                     {"description", "Document to start port forwarding session over Session Manager"},
                     {"sessionType", "Port"},
                     {"parameters",
                      json::object{{"portNumber", Param("(Optional) Port number of the server on the instance",
                                                        kPortPattern, "80")},
                                   {"localPortNumber",
                                    Param("(Optional) Port number on local machine to forward traffic to. An open "
                                          "port is chosen at run-time if not provided",
                                          kLocalPortPattern, "0")}}},
                     {"properties", json::object{{"portNumber", "{{ portNumber }}"},
                                                 {"type", "LocalPortForwarding"},
                                                 {"localPortNumber", "{{ localPortNumber }}"}}}}});
    d.push_back(
        {"AWS-StartPortForwardingSessionToRemoteHost",
         "Document to start port forwarding session over Session Manager to a remote host",
         json::object{
             {"schemaVersion", "1.0"},
             {"description", "Document to start port forwarding session over Session Manager to a remote host"},
             {"sessionType", "Port"},
             {"parameters",
              json::object{{"host", Param("(Required) The IP address or DNS name of the remote host",
                                          "^[^,$^&\\(\\)!;'\"<>\\`{}\\[\\]\\|#=]{3,}$")},
                           {"portNumber", Param("(Optional) Port number of the server on the remote host",
                                                kPortPattern, "80")},
                           {"localPortNumber",
                            Param("(Optional) Port number on local machine to forward traffic to. An open port is "
                                  "chosen at run-time if not provided",
                                  kLocalPortPattern, "0")}}},
             {"properties", json::object{{"portNumber", "{{ portNumber }}"},
                                         {"type", "LocalPortForwarding"},
                                         {"localPortNumber", "{{ localPortNumber }}"},
                                         {"host", "{{ host }}"}}}}});
    return d;
  }();
  return kDocs;
}

const SessionDocument* FindDocument(const std::string& name) {
  std::string n = name;
  if (size_t slash = n.rfind('/'); StartsWith(n, "arn:") && slash != std::string::npos) n = n.substr(slash + 1);
  for (const auto& d : Documents())
    if (n == d.name) return &d;
  return nullptr;
}


}  // namespace fargo::services::ssm
