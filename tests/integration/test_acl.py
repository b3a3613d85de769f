"""Canned ACLs with real clients: awscli of both generations (s3api create-bucket --acl,
put-bucket-acl, get-bucket-acl, put-object --acl, put-object-acl), boto3 from both interpreters
(tests/clients/boto3_acl.py), curl without credentials as the anonymous reader, and a browser-style
form POST without a policy into a public-read-write bucket. What a stranger may read is checked by
that stranger (no credentials at all), not by asking the server."""

from __future__ import annotations

import json

import pytest
import requests

from helpers import CLIENTS_DIR, assert_s3_error, client_env, image_tool, new_server, run

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
CONFIGURED_PUBLIC = "cfg-public"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = new_server(tmp_path_factory.mktemp("data"),
                     env={"IMGPIPE_S3_PUBLIC_READ_BUCKETS": CONFIGURED_PUBLIC})
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.stop_and_check()


def anonymous_curl(server, path: str, *args: str) -> int:
    """HTTP status of an unsigned request made by curl."""
    res = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *args,
               f"{server.endpoint}{path}"], timeout=60)
    return int(res.stdout)


def permissions(acl: dict) -> list[str]:
    owner = acl["Owner"]["ID"]
    assert any(g["Grantee"].get("ID") == owner and g["Permission"] == "FULL_CONTROL"
               for g in acl["Grants"]), acl
    return sorted(g["Permission"] for g in acl["Grants"] if g["Grantee"].get("URI") == ALL_USERS)


@pytest.fixture(params=["debian", "image"], ids=["aws-debian", "aws-image"])
def aws(request, server):
    binary = "/usr/bin/aws" if request.param == "debian" else image_tool("aws")
    env = client_env(server)

    def call(*args: str, check: bool = True):
        res = run([binary, "--endpoint-url", server.endpoint, "--output", "json", *args],
                  env=env, check=check)
        return json.loads(res.stdout) if check and res.stdout.strip() else res
    call.flavour = request.param
    return call


def test_awscli_bucket_acl(server, aws, tmp_path):
    bucket = f"acl-cli-{aws.flavour}"
    body = tmp_path / "body.txt"
    body.write_bytes(b"in a public bucket")
    aws("s3api", "create-bucket", "--bucket", bucket, "--acl", "public-read")
    assert permissions(aws("s3api", "get-bucket-acl", "--bucket", bucket)) == ["READ"]
    aws("s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", str(body))
    assert anonymous_curl(server, f"/{bucket}/k") == 200
    assert anonymous_curl(server, f"/{bucket}?list-type=2") == 200
    assert anonymous_curl(server, f"/{bucket}/k", "-X", "PUT", "--data-binary", "x") == 403

    aws("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read-write")
    assert permissions(aws("s3api", "get-bucket-acl", "--bucket", bucket)) == ["READ", "WRITE"]
    assert anonymous_curl(server, f"/{bucket}/anon", "-X", "PUT", "--data-binary", "x") == 200
    assert anonymous_curl(server, f"/{bucket}/anon", "-X", "DELETE") == 403

    aws("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "private")
    assert permissions(aws("s3api", "get-bucket-acl", "--bucket", bucket)) == []
    assert anonymous_curl(server, f"/{bucket}/k") == 403
    assert anonymous_curl(server, f"/{bucket}/anon", "-X", "PUT", "--data-binary", "x") == 403


def test_awscli_object_acl(server, aws, tmp_path):
    bucket = f"acl-obj-{aws.flavour}"
    aws("s3api", "create-bucket", "--bucket", bucket)
    body = tmp_path / "body.txt"
    body.write_bytes(b"hello, anyone")
    aws("s3api", "put-object", "--bucket", bucket, "--key", "open.txt", "--body", str(body),
        "--acl", "public-read")
    aws("s3api", "put-object", "--bucket", bucket, "--key", "closed.txt", "--body", str(body))
    assert anonymous_curl(server, f"/{bucket}/open.txt") == 200
    assert anonymous_curl(server, f"/{bucket}/open.txt", "-I") == 200
    assert anonymous_curl(server, f"/{bucket}/closed.txt") == 403
    assert anonymous_curl(server, f"/{bucket}/no-such-key") == 403
    got = run(["curl", "-sS", f"{server.endpoint}/{bucket}/open.txt"]).stdout
    assert got == b"hello, anyone"
    assert permissions(aws("s3api", "get-object-acl", "--bucket", bucket,
                           "--key", "open.txt")) == ["READ"]
    assert permissions(aws("s3api", "get-object-acl", "--bucket", bucket,
                           "--key", "closed.txt")) == []

    aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "open.txt", "--acl", "private")
    aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "closed.txt",
        "--acl", "public-read")
    assert anonymous_curl(server, f"/{bucket}/open.txt") == 403
    assert anonymous_curl(server, f"/{bucket}/closed.txt") == 200

    # Grants this store cannot keep: refused, and nothing changed.
    res = aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "closed.txt",
              "--grant-read", f"uri={ALL_USERS}", check=False)
    assert res.returncode != 0 and b"NotImplemented" in res.stderr, res.stderr
    res = aws("s3api", "put-object", "--bucket", bucket, "--key", "group.txt",
              "--body", str(body), "--acl", "authenticated-read", check=False)
    assert res.returncode != 0 and b"NotImplemented" in res.stderr, res.stderr
    assert anonymous_curl(server, f"/{bucket}/closed.txt") == 200


@pytest.mark.parametrize("flavour", ["debian", "image"], ids=["py-debian", "py-image"])
def test_boto3_acls(server, flavour):
    python = "/usr/bin/python3" if flavour == "debian" else image_tool("python3")
    res = run([python, CLIENTS_DIR / "boto3_acl.py", f"acl-boto3-{flavour}"],
              env=client_env(server))
    assert json.loads(res.stdout.decode().strip().splitlines()[-1]) == {"ok": True}


def test_grant_headers_are_501_not_implemented(server, raw):
    raw.request("PUT", "/acl-grants")
    for path in ("/acl-grants", "/acl-grants/k"):
        resp = raw.request("PUT", path, query=[("acl", "")],
                           headers={"x-amz-grant-read": f"uri={ALL_USERS}"})
        assert_s3_error(resp, 501, "NotImplemented")
    resp = raw.request("PUT", "/acl-grants/k", body=b"x",
                       headers={"x-amz-grant-full-control": 'id="someone"'})
    assert_s3_error(resp, 501, "NotImplemented")
    resp = raw.request("PUT", "/acl-grants", query=[("acl", "")],
                       headers={"x-amz-acl": "log-delivery-write"})
    assert_s3_error(resp, 501, "NotImplemented")
    resp = raw.request("GET", "/acl-grants/k")
    assert_s3_error(resp, 404, "NoSuchKey")


def test_anonymous_form_post_into_public_write_bucket(server, raw):
    raw.request("PUT", "/acl-post", headers={"x-amz-acl": "public-read-write"})
    url = f"{server.endpoint}/acl-post"
    form = {"key": "foo.txt", "acl": "public-read", "Content-Type": "text/plain"}
    resp = requests.post(url, data=form, files={"file": ("foo.txt", b"bar")}, timeout=30)
    assert resp.status_code == 204, resp.content
    assert anonymous_curl(server, "/acl-post/foo.txt") == 200

    raw.request("PUT", "/acl-post-private")
    resp = requests.post(f"{server.endpoint}/acl-post-private", data=form,
                         files={"file": ("foo.txt", b"bar")}, timeout=30)
    assert_s3_error(resp, 403, "AccessDenied")
    assert_s3_error(raw.request("GET", "/acl-post-private/foo.txt"), 404, "NoSuchKey")


def test_configured_public_bucket_until_an_acl_is_set(server, raw):
    aws = ["/usr/bin/aws", "--endpoint-url", server.endpoint, "--output", "json"]
    env = client_env(server)
    assert raw.request("PUT", f"/{CONFIGURED_PUBLIC}").status_code == 200
    assert raw.request("PUT", f"/{CONFIGURED_PUBLIC}/k", body=b"x").status_code == 200
    acl = json.loads(run([*aws, "s3api", "get-bucket-acl", "--bucket", CONFIGURED_PUBLIC],
                         env=env).stdout)
    assert permissions(acl) == ["READ"]
    assert anonymous_curl(server, f"/{CONFIGURED_PUBLIC}/k") == 200
    run([*aws, "s3api", "put-bucket-acl", "--bucket", CONFIGURED_PUBLIC, "--acl", "private"],
        env=env)
    assert anonymous_curl(server, f"/{CONFIGURED_PUBLIC}/k") == 403


def test_acls_survive_a_restart(tmp_path):
    body = tmp_path / "body.txt"
    body.write_bytes(b"kept")
    srv = new_server(tmp_path / "data")
    srv.start()
    try:
        env = client_env(srv)
        aws = ["/usr/bin/aws", "--endpoint-url", srv.endpoint]
        run([*aws, "s3api", "create-bucket", "--bucket", "kept", "--acl", "public-read"], env=env)
        run([*aws, "s3api", "put-object", "--bucket", "kept", "--key", "k",
             "--body", str(body)], env=env)
        run([*aws, "s3api", "create-bucket", "--bucket", "objs"], env=env)
        run([*aws, "s3api", "put-object", "--bucket", "objs", "--key", "k",
             "--body", str(body), "--acl", "public-read"], env=env)
        srv.restart()
        assert anonymous_curl(srv, "/kept/k") == 200
        assert anonymous_curl(srv, "/objs/k") == 200
    finally:
        srv.stop_and_check()


def test_destination_made_public_by_acl_gives_plain_urls(tmp_path):
    """The status API's variant URLs follow the destination bucket's ACL: presigned while it is
    private, plain (and anonymously readable) once PutBucketAcl made it public-read."""
    from helpers import Raw, TESTDATA
    from pipeline_client import api, wait_for_state

    photo = TESTDATA / "exif-orientation-examples" / "Landscape_1.jpg"
    srv = new_server(tmp_path / "data", roles=None)
    srv.start()
    try:
        def upload(name: str) -> dict:
            answer = requests.post(api(srv, "/upload-image"), json={"filename": name},
                                   timeout=10).json()
            files = {"file": (name, photo.read_bytes(), "image/jpeg")}
            resp = requests.post(answer["url"], data=answer["fields"], files=files, timeout=30)
            assert resp.status_code == 204, resp.content
            job = wait_for_state(srv, answer["id"])
            assert job["state"] == "done", job
            return job

        before = upload("before.jpg")
        assert all("X-Amz-Signature=" in v["url"] for v in before["variants"]), before
        resp = Raw(srv).request("PUT", "/resized", query=[("acl", "")],
                                headers={"x-amz-acl": "public-read"})
        assert resp.status_code == 200, resp.content
        after = upload("after.jpg")
        for v in after["variants"]:
            assert v["url"] == f"{srv.endpoint}/resized/{v['key']}", v
            assert requests.get(v["url"], timeout=10).status_code == 200
        # The earlier job's URLs are plain now too (they are made when asked for).
        again = requests.get(api(srv, f"/images/{before['id']}"), timeout=10).json()
        assert all("X-Amz-Signature=" not in v["url"] for v in again["variants"]), again
    finally:
        srv.stop_and_check()
