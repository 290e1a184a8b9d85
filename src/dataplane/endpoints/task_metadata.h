// The task metadata documents (v4, and v3 which answers the same): what a
// container sees at $ECS_CONTAINER_METADATA_URI_V4 ("" or "/": itself,
// "/task": its task, "/stats" and "/task/stats": Docker-shaped stats, all
// zero). ECS fills in a services::ecs::TaskMetadataView (plain data, its
// side of the seam); rendering it, with the shapes and defaults of the
// Fargate agent, happens only here.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/ecs/task_metadata_view.h"

namespace fargo::dataplane {

// The view ECS gives of the container asking and its task.
using TaskMetadata = services::ecs::TaskMetadataView;
using ContainerMetadata = services::ecs::TaskMetadataView::Container;

// The error for a token that names no task or container (and for unknown
// paths): NotFound, 404.
AwsError MetadataNotFound();

// The document at `subpath` ("" or "/", "/task", "/stats", "/task/stats") as
// seen at `now` (epoch seconds); MetadataNotFound() for any other subpath.
// REQUIRES: m.container_index < m.containers.size().
Result<boost::json::value> RenderTaskMetadata(const TaskMetadata& m, const std::string& subpath, double now);

}  // namespace fargo::dataplane
