// @aws-sdk/client-s3 additional-checksum scenarios, run by tests/integration/test_checksums.py as
//   node checksums.mjs SCENARIO BUCKET ALGORITHM [TYPE] FILE...
// Prints one JSON line with the checksums the server answered (the test compares them with its
// own reference values); GetObject runs with ChecksumMode ENABLED, so the SDK itself validates
// whole-object checksums against the bytes. Env: S3_PORT, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY. Path-style addressing (client.mjs covers virtual-hosted).
import { createReadStream, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import assert from 'node:assert/strict';

import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';

const [scenario, bucket, algorithm, ...rest] = process.argv.slice(2);
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: `http://127.0.0.1:${process.env.S3_PORT}`,
  forcePathStyle: true,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  },
  maxAttempts: 1,
  requestHandler: { httpAgent: new http.Agent({ keepAlive: true }) },
});
const field = `Checksum${algorithm}`;

async function readBack(key, expected) {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const bytes = Buffer.from(await got.Body.transformToByteArray());
  assert.ok(bytes.equals(expected), 'object bytes differ');
  return { head: head[field] ?? null, type: head.ChecksumType ?? null, get: got[field] ?? null };
}

const scenarios = {
  // A stream body: STREAMING-UNSIGNED-PAYLOAD-TRAILER, the checksum in the aws-chunked trailer.
  async putStream() {
    const file = rest[0];
    const key = `stream-${algorithm}`;
    const put = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: statSync(file).size,
      ChecksumAlgorithm: algorithm,
    }));
    return { put: put[field] ?? null, ...(await readBack(key, readFileSync(file))) };
  },

  // A Buffer body: the checksum as an x-amz-checksum-* header.
  async putBuffer() {
    const file = rest[0];
    const key = `buffer-${algorithm}`;
    const put = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: readFileSync(file), ChecksumAlgorithm: algorithm,
    }));
    return { put: put[field] ?? null, ...(await readBack(key, readFileSync(file))) };
  },

  async badDigest() {
    try {
      await s3.send(new PutObjectCommand({
        Bucket: bucket, Key: 'bad', Body: readFileSync(rest[0]), [field]: rest[1],
      }));
    } catch (e) {
      return { error: e.name };
    }
    throw new Error('a wrong checksum was accepted');
  },

  async multipart() {
    const [type, ...files] = rest;
    const key = `mp-${algorithm}-${type}`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({
      Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: type,
    }));
    const parts = [];
    for (const [i, file] of files.entries()) {
      const r = await s3.send(new UploadPartCommand({
        Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: readFileSync(file),
        ChecksumAlgorithm: algorithm,
      }));
      parts.push({ PartNumber: i + 1, ETag: r.ETag, [field]: r[field] });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts },
    }));
    const whole = Buffer.concat(files.map((f) => readFileSync(f)));
    return {
      parts: parts.map((p) => p[field]), complete: done[field] ?? null,
      completeType: done.ChecksumType ?? null, ...(await readBack(key, whole)),
    };
  },
};

await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e) => {
  if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
});
console.log(JSON.stringify(await scenarios[scenario]()));
