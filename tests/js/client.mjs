// @aws-sdk/client-s3 (latest, pinned by package-lock.json) scenarios against an S3 endpoint, run by
// tests/integration/test_js_sdk.py as `node client.mjs SCENARIO BUCKET STYLE`.
//   STYLE = path     -> endpoint http://127.0.0.1:PORT, forcePathStyle: true
//   STYLE = virtual  -> endpoint http://localhost:PORT, the SDK's default virtual-hosted style
//                       (Host: BUCKET.localhost:PORT; *.localhost is resolved to 127.0.0.1 here,
//                       since the machine's resolver does not).
// Env: S3_PORT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. Exits 0 with a JSON line on success;
// any failed check throws (non-zero exit, stack on stderr).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import assert from 'node:assert/strict';

import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectCommand, CreateMultipartUploadCommand, UploadPartCommand,
  CompleteMultipartUploadCommand, ListPartsCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const [scenario, bucket, style] = process.argv.slice(2);
const port = process.env.S3_PORT;
if (!scenario || !bucket || !['path', 'virtual'].includes(style) || !port) {
  console.error('usage: S3_PORT=... node client.mjs SCENARIO BUCKET path|virtual');
  process.exit(2);
}

const lookedUp = new Set();
function lookup(hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {}; }
  lookedUp.add(hostname);
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options && options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    return callback(null, '127.0.0.1', 4);
  }
  return callback(new Error(`unexpected host ${hostname}`));
}

const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: style === 'path' ? `http://127.0.0.1:${port}` : `http://localhost:${port}`,
  forcePathStyle: style === 'path',
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  },
  maxAttempts: 1,
  requestHandler: { httpAgent: new http.Agent({ keepAlive: true, lookup }) },
});

const md5 = (buf) => createHash('md5').update(buf).digest('hex');

async function bodyBytes(resp) {
  return Buffer.from(await resp.Body.transformToByteArray());
}

async function errorName(promise) {
  try {
    await promise;
  } catch (e) {
    return e.name;
  }
  throw new Error('expected the call to fail');
}

const scenarios = {
  async bucket() {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return { created: bucket };
  },

  async putString() {
    const body = `hello from aws-sdk-js ${style} ` + 'x'.repeat(5000);
    const put = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'js/string.txt', Body: body, ContentType: 'text/plain',
      Metadata: { origin: 'js' },
    }));
    assert.equal(put.ETag, `"${md5(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'js/string.txt' }));
    assert.equal(await got.Body.transformToString(), body);
    assert.equal(got.ContentType, 'text/plain');
    assert.deepEqual(got.Metadata, { origin: 'js' });
    return { etag: put.ETag };
  },

  // A stream body makes the SDK send STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked framing
  // inside HTTP chunked transfer, with an x-amz-checksum-crc32 trailer.
  async putStream() {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const pieces = [];
    for (let i = 0; i < data.length; i += 100000) pieces.push(data.subarray(i, i + 100000));
    const put = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'js/stream.bin', Body: Readable.from(pieces),
      ContentLength: data.length,
    }));
    assert.equal(put.ETag, `"${md5(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'js/stream.bin' }));
    assert.ok((await bodyBytes(got)).equals(data), 'streamed object differs');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'js/stream.bin' }));
    assert.equal(head.ContentLength, data.length);
    return { etag: put.ETag, bytes: data.length };
  },

  // Two writers coordinating through the bucket: If-None-Match: * creates only, If-Match
  // replaces only the version the writer read.
  async conditionalPut() {
    const key = 'js/lock.txt';
    const first = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: 'first', IfNoneMatch: '*',
    }));
    assert.equal(await errorName(s3.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: 'second', IfNoneMatch: '*',
    }))), 'PreconditionFailed');
    assert.equal(await errorName(s3.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: 'second', IfMatch: `"${'0'.repeat(32)}"`,
    }))), 'PreconditionFailed');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'third', IfMatch: first.ETag }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await got.Body.transformToString(), 'third');
    return { etag: first.ETag };
  },

  // CompleteMultipartUpload with If-None-Match / If-Match: the upload survives a failed
  // condition, and a retried completion answers the same ETag instead of NoSuchUpload.
  async conditionalComplete() {
    const key = 'js/conditional-multipart.bin';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'existing' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await s3.send(new UploadPartCommand({
      Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'the new content',
    }));
    const complete = (extra) => s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: key, UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] }, ...extra,
    }));
    assert.equal(await errorName(complete({ IfNoneMatch: '*' })), 'PreconditionFailed');
    assert.equal(await errorName(complete({ IfMatch: `"${'0'.repeat(32)}"` })), 'PreconditionFailed');
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    assert.equal(parts.Parts.length, 1, 'the upload is kept after a failed condition');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const done = await complete({ IfMatch: head.ETag });
    assert.match(done.ETag, /-1"$/);
    const retried = await complete({ IfMatch: head.ETag });
    assert.equal(retried.ETag, done.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await got.Body.transformToString(), 'the new content');
    return { etag: done.ETag };
  },

  async getObject() {
    const data = randomBytes(70000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'js/get.bin', Body: data }));
    const whole = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'js/get.bin' }));
    assert.ok((await bodyBytes(whole)).equals(data));
    assert.equal(whole.ContentLength, data.length);
    const part = await s3.send(new GetObjectCommand({
      Bucket: bucket, Key: 'js/get.bin', Range: 'bytes=100-199',
    }));
    assert.equal(part.$metadata.httpStatusCode, 206);
    assert.ok((await bodyBytes(part)).equals(data.subarray(100, 200)));
    assert.equal(part.ContentRange, `bytes 100-199/${data.length}`);
    assert.equal(await errorName(s3.send(new GetObjectCommand({
      Bucket: bucket, Key: 'js/missing',
    }))), 'NoSuchKey');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'js/get.bin' }));
    assert.equal(await errorName(s3.send(new GetObjectCommand({
      Bucket: bucket, Key: 'js/get.bin',
    }))), 'NoSuchKey');
    return { bytes: data.length };
  },

  async listObjectsV2() {
    const keys = [0, 1, 2, 3, 4].map((i) => `jslist/${i}.txt`);
    for (const Key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
    }
    const seen = [];
    const sizes = [];
    let token;
    do {
      const page = await s3.send(new ListObjectsV2Command({
        Bucket: bucket, Prefix: 'jslist/', MaxKeys: 2, ContinuationToken: token,
      }));
      sizes.push(page.KeyCount);
      for (const c of page.Contents ?? []) seen.push(c.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      assert.ok(sizes.length < 10, 'paging does not terminate');
    } while (token);
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(seen, keys);
    const delimited = await s3.send(new ListObjectsV2Command({
      Bucket: bucket, Prefix: 'js', Delimiter: '/',
    }));
    const prefixes = (delimited.CommonPrefixes ?? []).map((p) => p.Prefix);
    assert.ok(prefixes.includes('jslist/'), JSON.stringify(prefixes));
    return { pages: sizes };
  },

  // lib-storage: 12 MiB in 5 MiB parts -> CreateMultipartUpload, 3 x UploadPart, Complete.
  async multipartUpload() {
    const data = randomBytes(12 * 1024 * 1024);
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'js/multipart.bin', Body: data },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    const parts = [];
    upload.on('httpUploadProgress', (p) => parts.push(p.part));
    const done = await upload.done();
    const partMd5s = [0, 1, 2].map((i) => createHash('md5')
      .update(data.subarray(i * 5 * 1024 * 1024, (i + 1) * 5 * 1024 * 1024)).digest());
    const expected = `"${md5(Buffer.concat(partMd5s))}-3"`;
    assert.equal(done.ETag, expected);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'js/multipart.bin' }));
    assert.ok((await bodyBytes(got)).equals(data), 'multipart object differs');
    return { etag: done.ETag, parts: new Set(parts).size };
  },
};

if (!(scenario in scenarios)) {
  console.error(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const result = await scenarios[scenario]();
if (style === 'virtual') {
  assert.ok(lookedUp.has(`${bucket}.localhost`),
    `expected a virtual-hosted request to ${bucket}.localhost, saw ${[...lookedUp]}`);
} else {
  assert.ok(!lookedUp.has(`${bucket}.localhost`), 'path style must not use the bucket host');
}
console.log(JSON.stringify(result));
