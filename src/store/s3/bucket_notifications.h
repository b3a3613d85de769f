#pragma once
// Bucket notifications on an S3-compatible store that has the SNS-style topic API (Ceph RGW,
// MinIO's compatible subset): `setup_bucket_notifications` creates (or updates) a topic whose
// push endpoint is imgpipe's `POST /events/s3`, persistent so the store retries until the
// endpoint takes each event, and points the bucket's object-created events at it
// (PutBucketNotificationConfiguration, replacing the bucket's configuration). Both calls are
// idempotent, so every api node may run it at start-up. Thread-safe (S3Http is).
//
// RGW's HTTP push cannot add an Authorization header, and Ceph 16 refuses a push endpoint with
// URL credentials unless the CreateTopic itself came over TLS. So the ingress token travels as
// the topic's OpaqueData, which RGW copies into every record (`opaqueData`), and the ingress
// accepts a request without Authorization whose every record carries the token.

#include <string>

#include "core/result.h"
#include "store/s3/s3_http.h"

namespace imgpipe::store::s3 {

struct NotificationSetup {
    std::string bucket;
    std::string topic = "imgpipe-object-created";
    std::string push_endpoint;  // http(s)://host:port/events/s3
    std::string opaque_data;    // the ingress token
};

// The topic's ARN. Errors: the store's (S3 error codes; NotImplemented where there is no
// topic API), InvalidResponse for an answer without a TopicArn.
Result<std::string> setup_bucket_notifications(S3Http& http, const NotificationSetup& setup);

}  // namespace imgpipe::store::s3
