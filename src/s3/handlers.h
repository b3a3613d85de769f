#pragma once
// The S3 operation handlers, one function per operation, grouped by area in
// bucket_handlers.cpp, list_handlers.cpp, object_handlers.cpp, copy_handler.cpp,
// multipart_handlers.cpp, delete_objects_handler.cpp and acl_handlers.cpp. S3Service routes and
// authenticates; a handler gets an authorised S3Call and returns the complete response (errors
// included). Handlers keep no state; they are safe to run concurrently.

#include "http/request.h"
#include "s3/context.h"
#include "s3/s3_call.h"

namespace imgpipe::s3 {

// Buckets.
http::Response list_buckets(const S3Context& context, S3Call& call);
http::Response create_bucket(const S3Context& context, S3Call& call);
http::Response head_bucket(const S3Context& context, S3Call& call);
http::Response delete_bucket(const S3Context& context, S3Call& call);
http::Response get_bucket_location(const S3Context& context, S3Call& call);
http::Response get_bucket_versioning(const S3Context& context, S3Call& call);
// acl_handlers.cpp: canned ACLs (s3/acl.h).
http::Response get_bucket_acl(const S3Context& context, S3Call& call);
http::Response put_bucket_acl(const S3Context& context, S3Call& call);
http::Response get_object_acl(const S3Context& context, S3Call& call);
http::Response put_object_acl(const S3Context& context, S3Call& call);
// Objects have no tags (setting them is NotImplemented): an empty TagSet for an object.
http::Response get_object_tagging(const S3Context& context, S3Call& call);
// cors_handlers.cpp
http::Response get_bucket_cors(const S3Context& context, S3Call& call);
http::Response put_bucket_cors(const S3Context& context, S3Call& call);
http::Response delete_bucket_cors(const S3Context& context, S3Call& call);

// Listings.
http::Response list_objects_v1(const S3Context& context, S3Call& call);
http::Response list_objects_v2(const S3Context& context, S3Call& call);
// Versioning is never enabled: every current object is listed as its only version, "null".
http::Response list_object_versions(const S3Context& context, S3Call& call);

// Objects. GetObject/HeadObject with ?partNumber=N serve part N of a multipart object (206,
// x-amz-mp-parts-count); part 1 of any other object is the whole object.
http::Response put_object(const S3Context& context, S3Call& call);
http::Response get_object(const S3Context& context, S3Call& call);
http::Response head_object(const S3Context& context, S3Call& call);
// GetObjectAttributes (GET ?attributes): the x-amz-object-attributes asked for (ETag, Checksum,
// ObjectParts, StorageClass, ObjectSize) in one XML answer; the parts listed with their sizes,
// paged by x-amz-max-parts / x-amz-part-number-marker.
http::Response get_object_attributes(const S3Context& context, S3Call& call);
http::Response delete_object(const S3Context& context, S3Call& call);
http::Response copy_object(const S3Context& context, S3Call& call);
// copy_handler.cpp too: a part of a multipart upload copied from an object (or a byte range of
// it, x-amz-copy-source-range).
http::Response upload_part_copy(const S3Context& context, S3Call& call);
http::Response delete_objects(const S3Context& context, S3Call& call);

// Multipart uploads.
http::Response create_multipart_upload(const S3Context& context, S3Call& call);
http::Response upload_part(const S3Context& context, S3Call& call);
http::Response complete_multipart_upload(const S3Context& context, S3Call& call);
http::Response abort_multipart_upload(const S3Context& context, S3Call& call);
http::Response list_parts(const S3Context& context, S3Call& call);
http::Response list_multipart_uploads(const S3Context& context, S3Call& call);

}  // namespace imgpipe::s3
