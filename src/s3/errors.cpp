#include "s3/errors.h"

#include <array>
#include <pugixml.hpp>

#include "core/log.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

struct Row {
    std::string_view reason;
    S3Error error;
};

// Messages follow AWS's "Error responses" page and recorded AWS answers (s3-compat.md §1, §2.4).
constexpr std::array kTable = {
    Row{"AccessDenied", {"AccessDenied", 403, "Access Denied"}},
    Row{"AccessForbidden",
        {"AccessForbidden", 403, "CORSResponse: This CORS request is not allowed."}},
    Row{"AuthorizationHeaderMalformed",
        {"AuthorizationHeaderMalformed", 400,
         "The authorization header you provided is not valid."}},
    Row{"AuthorizationQueryParametersError",
        {"AuthorizationQueryParametersError", 400,
         "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
         "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."}},
    Row{"BadDigest",
        {"BadDigest", 400,
         "The Content-MD5 or checksum value that you specified did not match what the server "
         "received."}},
    Row{"BucketAlreadyExists",
        {"BucketAlreadyExists", 409,
         "The requested bucket name is not available. The bucket namespace is shared by all users "
         "of the system. Please select a different name and try again."}},
    Row{"BucketAlreadyOwnedByYou",
        {"BucketAlreadyOwnedByYou", 409,
         "Your previous request to create the named bucket succeeded and you already own it."}},
    Row{"BucketNotEmpty", {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"}},
    Row{"ConditionalRequestConflict",
        {"ConditionalRequestConflict", 409,
         "The conditional request cannot succeed due to a conflicting operation against this "
         "resource."}},
    Row{"EntityTooLarge",
        {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size"}},
    Row{"EntityTooSmall",
        {"EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size"}},
    Row{"IncompleteBody",
        {"IncompleteBody", 400,
         "You did not provide the number of bytes specified by the Content-Length HTTP header."}},
    Row{"IncorrectNumberOfFilesInPostRequest",
        {"IncorrectNumberOfFilesInPostRequest", 400,
         "POST requires exactly one file upload per request."}},
    Row{"InternalError",
        {"InternalError", 500, "We encountered an internal error. Please try again."}},
    Row{"InvalidAccessKeyId",
        {"InvalidAccessKeyId", 403,
         "The AWS Access Key Id you provided does not exist in our records."}},
    Row{"InvalidArgument", {"InvalidArgument", 400, "Invalid Argument"}},
    Row{"InvalidBucketName", {"InvalidBucketName", 400, "The specified bucket is not valid."}},
    Row{"InvalidDigest", {"InvalidDigest", 400, "The Content-MD5 you specified is not valid."}},
    Row{"InvalidLocationConstraint",
        {"InvalidLocationConstraint", 400, "The specified location-constraint is not valid"}},
    Row{"InvalidPart",
        {"InvalidPart", 400,
         "One or more of the specified parts could not be found.  The part may not have been "
         "uploaded, or the specified entity tag may not match the part's entity tag."}},
    Row{"InvalidPartOrder",
        {"InvalidPartOrder", 400,
         "The list of parts was not in ascending order. Parts must be ordered by part number."}},
    Row{"InvalidPartNumber",
        {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"}},
    Row{"InvalidPolicyDocument",
        {"InvalidPolicyDocument", 400,
         "The content of the form does not meet the conditions specified in the policy "
         "document."}},
    Row{"InvalidRange", {"InvalidRange", 416, "The requested range is not satisfiable"}},
    Row{"InvalidRequest", {"InvalidRequest", 400, "Invalid Request"}},
    Row{"InvalidStorageClass",
        {"InvalidStorageClass", 400, "The storage class you specified is not valid"}},
    Row{"KeyTooLongError", {"KeyTooLongError", 400, "Your key is too long"}},
    Row{"MalformedACLError",
        {"MalformedACLError", 400,
         "The XML you provided was not well-formed or did not validate against our published "
         "schema"}},
    Row{"MalformedPOSTRequest",
        {"MalformedPOSTRequest", 400,
         "The body of your POST request is not well-formed multipart/form-data."}},
    Row{"MalformedTrailerError",
        {"MalformedTrailerError", 400,
         "The request contained trailing data that was not well-formed or did not conform to "
         "our published schema."}},
    Row{"MalformedXML",
        {"MalformedXML", 400,
         "The XML you provided was not well-formed or did not validate against our published "
         "schema"}},
    Row{"MaxPostPreDataLengthExceededError",
        {"MaxPostPreDataLengthExceededError", 400,
         "Your POST request fields preceding the upload file were too large."}},
    Row{"MaxPostPreDataLengthExceeded",
        {"MaxPostPreDataLengthExceededError", 400,
         "Your POST request fields preceding the upload file were too large."}},
    Row{"MaxMessageLengthExceeded", {"MaxMessageLengthExceeded", 400, "Your request was too big."}},
    Row{"MaxPostPreDataLengthExceededError",
        {"MaxPostPreDataLengthExceededError", 400,
         "Your POST request fields preceding the upload file were too large."}},
    Row{"MetadataTooLarge",
        {"MetadataTooLarge", 400,
         "Your metadata headers exceed the maximum allowed metadata size."}},
    Row{"MethodNotAllowed",
        {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."}},
    Row{"MissingContentLength",
        {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."}},
    Row{"MissingSecurityHeader",
        {"MissingSecurityHeader", 400, "Your request is missing a required header."}},
    Row{"NoSuchBucket", {"NoSuchBucket", 404, "The specified bucket does not exist"}},
    Row{"NoSuchCORSConfiguration",
        {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"}},
    Row{"NoSuchKey", {"NoSuchKey", 404, "The specified key does not exist."}},
    Row{"NoSuchUpload",
        {"NoSuchUpload", 404,
         "The specified upload does not exist. The upload ID may be invalid, or the upload may "
         "have been aborted or completed."}},
    Row{"NotImplemented",
        {"NotImplemented", 501,
         "A header you provided implies functionality that is not implemented"}},
    Row{"NotModified", {"NotModified", 304, "Not Modified"}},
    Row{"PreconditionFailed",
        {"PreconditionFailed", 412,
         "At least one of the pre-conditions you specified did not hold"}},
    Row{"RequestIsNotMultiPartContent",
        {"RequestIsNotMultiPartContent", 400,
         "Bucket POST must be of the enclosure-type multipart/form-data."}},
    Row{"RequestTimeout",
        {"RequestTimeout", 400,
         "Your socket connection to the server was not read from or written to within the "
         "timeout period."}},
    Row{"RequestTimeTooSkewed",
        {"RequestTimeTooSkewed", 403,
         "The difference between the request time and the current time is too large."}},
    Row{"ServiceUnavailable", {"ServiceUnavailable", 503, "Service is unable to handle request."}},
    Row{"SignatureDoesNotMatch",
        {"SignatureDoesNotMatch", 403,
         "The request signature we calculated does not match the signature you provided. Check "
         "your key and signing method."}},
    Row{"SlowDown", {"SlowDown", 503, "Please reduce your request rate."}},
    Row{"UnexpectedContent", {"UnexpectedContent", 400, "This request does not support content"}},
    Row{"XAmzContentSHA256Mismatch",
        {"XAmzContentSHA256Mismatch", 400,
         "The provided 'x-amz-content-sha256' header does not match what was computed."}},
    // Internal reasons from the store and core, answered with the nearest S3 error.
    // A full disk (or one under the store's free-space watermark) has no AWS code. 507 as MinIO
    // answers it (XMinioStorageFull) rather than 503 SlowDown: SDKs retry 503s with backoff,
    // which cannot help until an operator frees space, and the code says what is wrong.
    Row{"DiskFull",
        {"InsufficientStorage", 507,
         "The server does not have enough storage space to complete the request."}},
    Row{"IoError", {"InternalError", 500, "We encountered an internal error. Please try again."}},
    Row{"TooLarge", {"MaxMessageLengthExceeded", 400, "Your request was too big."}},
};

S3Error by_code(StatusCode code) {
    auto row = [](std::string_view reason) { return *find_s3_error(reason); };
    switch (code) {
        case StatusCode::kInvalidArgument:
            return row("InvalidArgument");
        case StatusCode::kNotFound:
            return {"NotFound", 404, "Not Found"};
        case StatusCode::kAlreadyExists:
            return {"Conflict", 409,
                    "The request conflicts with the current state of the resource."};
        case StatusCode::kPermissionDenied:
        case StatusCode::kUnauthenticated:
            return row("AccessDenied");
        case StatusCode::kFailedPrecondition:
            return row("PreconditionFailed");
        case StatusCode::kOutOfRange:
            return row("InvalidRange");
        case StatusCode::kResourceExhausted:
            return row("SlowDown");
        case StatusCode::kDeadlineExceeded:
            return row("RequestTimeout");
        case StatusCode::kUnavailable:
            return row("ServiceUnavailable");
        case StatusCode::kAborted:
            return row("IncompleteBody");
        case StatusCode::kUnimplemented:
            return row("NotImplemented");
        case StatusCode::kOk:
        case StatusCode::kDataLoss:
        case StatusCode::kInternal:
            break;
    }
    return row("InternalError");
}

}  // namespace

std::optional<S3Error> find_s3_error(std::string_view reason) {
    for (const Row& r : kTable) {
        if (r.reason == reason) return r.error;
    }
    return std::nullopt;
}

S3Error s3_error_for(const Status& status) {
    if (auto e = find_s3_error(status.reason())) return *e;
    return by_code(status.code());
}

http::Response error_response(const Status& status, std::string_view resource,
                              std::string_view request_id, const ErrorExtras& extras) {
    const S3Error error = s3_error_for(status);
    // 5xx answers hide what went wrong from the client; the log keeps it (501 is no failure).
    if (error.http_status >= 500 && error.http_status != 501) {
        log::error(
            "s3 request failed",
            {{"request_id", request_id}, {"status", status.to_string()}, {"resource", resource}});
    }
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("Error");
    append_text(root, "Code", error.code);
    append_text(root, "Message", extras.message.empty() ? error.message : extras.message);
    for (const auto& [name, value] : extras.elements) append_text(root, name, value);
    append_text(root, "Resource", resource);
    append_text(root, "RequestId", request_id);

    http::Response response;
    response.status = error.http_status;
    response.headers.set("x-amz-request-id", std::string(request_id));
    if (error.http_status != 304) {
        response.headers.set("Content-Type", "application/xml");
        response.body = render_xml(doc);
    }
    return response;
}

void drop_body_for_head(http::Response& response) {
    response.body.clear();
    response.source.reset();
    response.content_length.reset();
    response.headers.remove("Content-Type");
}

}  // namespace imgpipe::s3
