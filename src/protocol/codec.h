// Model-driven wire codecs: requests in each AWS protocol become validated
// handler data (a JSON object keyed by the model's member names), and handler
// data or an AwsError becomes the protocol's exact response.
//
// Handler data conventions (the same for every protocol):
//   structure -> object, list -> array, map -> object,
//   string -> string, integer/long -> int64, float/double -> double,
//   boolean -> bool, timestamp -> double (epoch seconds), blob -> string (raw bytes).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>

#include "common/result.h"
#include "protocol/http_types.h"
#include "protocol/model.h"
#include "protocol/service_catalog.h"

namespace fargo::protocol {

using Params = std::multimap<std::string, std::string>;

// Parses a form-encoded body ("a=1&b=2") into decoded parameters.
Params ParseForm(std::string_view body);

// JSON 1.1: the request body against the operation's input shape. The
// result's memory comes from `storage` (e.g. a monotonic resource per call).
Result<boost::json::object> DecodeJsonRequest(const ServiceModel& model, const Operation& op,
                                              std::string_view body,
                                              boost::json::storage_ptr storage = {});

// query and EC2 query: the form parameters against the input shape.
Result<boost::json::object> DecodeQueryRequest(const ServiceModel& model, const Operation& op,
                                               const Params& params);

// Checks required members and length/range/enum constraints, returning the
// validation error the service's protocol uses.
Status Validate(const ServiceModel& model, const Shape& shape, const boost::json::object& input);

// Converts a (possibly loosely typed) value to the data convention for `shape`.
// Used by decoders; exposed for tests.
Result<boost::json::value> Coerce(const ServiceModel& model, const Shape& shape,
                                  const boost::json::value& v, const std::string& path);

// Serializes a successful output.
HttpResponse EncodeResponse(const ServiceModel& model, const Operation& op,
                            const boost::json::object& output, const std::string& request_id);

// Serializes an error in the protocol's shape. `model` may be null when the
// service could not be determined (then a query-style error is written).
HttpResponse EncodeError(const ServiceModel* model, const AwsError& error,
                         const std::string& request_id);

// An error of a service fargo does not carry a model for, in `protocol`
// (json, rest-json, query, ec2, rest-xml, smithy-rpc-v2-cbor) as that
// service's clients read it; `service` (may be null) gives its JSON version
// and XML namespace.
HttpResponse EncodeErrorIn(std::string_view protocol, const KnownService* service, const AwsError& error,
                           const std::string& request_id);

// REST-XML's <Error> document (S3), with the error's details as further
// elements; without <RequestId> when `request_id` is empty.
HttpResponse EncodeRestXmlError(const AwsError& error, const std::string& request_id);

// The error document of the ECS agent's task endpoints (credentials,
// metadata): {"code": ..., "message": ...} with the error's status.
HttpResponse EncodeTaskEndpointError(const AwsError& error);

// Helpers for XML writers (also used by REST-XML).
void WriteXmlValue(const ServiceModel& model, const Shape& shape, const boost::json::value& v,
                   const std::string& element, std::string& out, bool ec2);

}  // namespace fargo::protocol
