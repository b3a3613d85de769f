#pragma once
// `imgpipe store setup`: prepares a remote S3-compatible store (DESIGN.md §7) for a cluster, once,
// from any machine, before or while the nodes run. It creates the source and destination
// buckets and, given the URL of the api nodes' POST /events/s3 (`--notify-url`, else
// api.ingress_url), the SNS-style topic with that push endpoint (persistent: the store retries
// until the endpoint answers) and the source bucket's notification of every object created —
// through the store's own APIs (CreateTopic, PutBucketNotificationConfiguration), as Ceph RGW
// and MinIO offer them. Every step is idempotent: running it again re-points the topic and
// changes nothing else. The store, its credentials, buckets and the ingress token come from the
// same configuration, environment and flags as `serve`.
//
//   imgpipe store setup --store s3+http://HOST:PORT [--notify-url URL] [--ingress-token T]
//
// Exit status: 0 done, 1 the store refused or failed a step (its error printed), 2 bad
// configuration.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

void add_store_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
