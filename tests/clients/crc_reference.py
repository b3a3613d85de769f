"""Independent reference values for S3's additional checksums, for the integration tests: a
table-driven reflected CRC (CRC-32C and CRC-64/NVME from their catalogue parameters; CRC-32
from zlib), SHA from hashlib, and S3's multipart compositions written from their definitions
(COMPOSITE: checksum of the concatenated binary part checksums, "-N"; FULL_OBJECT: the checksum
of the whole object). Shares no code with imgpipe."""

from __future__ import annotations

import base64
import hashlib
import zlib

# Reflected polynomials (init and xorout all ones): CRC-32C (Castagnoli), CRC-64/NVME.
_POLY = {"CRC32C": (0x82F63B78, 32), "CRC64NVME": (0x9A6C9329AC4BC9B5, 64)}
_TABLES: dict[str, list[int]] = {}


def _table(name: str) -> list[int]:
    if name not in _TABLES:
        poly, _ = _POLY[name]
        table = []
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ poly if c & 1 else c >> 1
            table.append(c)
        _TABLES[name] = table
    return _TABLES[name]


def _crc(name: str, data: bytes) -> int:
    _, width = _POLY[name]
    mask = (1 << width) - 1
    table = _table(name)
    crc = mask
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def raw_checksum(algorithm: str, data: bytes) -> bytes:
    algorithm = algorithm.upper()
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return _crc("CRC32C", data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return _crc("CRC64NVME", data).to_bytes(8, "big")
    if algorithm == "SHA1":
        return hashlib.sha1(data).digest()
    if algorithm == "SHA256":
        return hashlib.sha256(data).digest()
    raise ValueError(algorithm)


def checksum(algorithm: str, data: bytes) -> str:
    """Base64 of the big-endian checksum, as x-amz-checksum-* carries it."""
    return base64.b64encode(raw_checksum(algorithm, data)).decode()


def composite(algorithm: str, parts: list[bytes]) -> str:
    joined = b"".join(raw_checksum(algorithm, p) for p in parts)
    return f"{checksum(algorithm, joined)}-{len(parts)}"


def full_object(algorithm: str, parts: list[bytes]) -> str:
    return checksum(algorithm, b"".join(parts))


if __name__ == "__main__":
    # The catalogue's check values for "123456789".
    assert _crc("CRC32C", b"123456789") == 0xE3069283
    assert _crc("CRC64NVME", b"123456789") == 0xAE8B14860A799888
    print("ok")
