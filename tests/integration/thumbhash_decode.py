"""An independent ThumbHash decoder, written from the published algorithm (Evan Wallace,
https://evanw.github.io/thumbhash/, the reference `thumbHashToRGBA`), for checking the
placeholders imgpipe computes: it shares no code with the server's encoder."""

from __future__ import annotations

import base64
import math


def from_base64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def approximate_aspect_ratio(h: bytes) -> float:
    has_alpha = h[2] & 0x80
    landscape = h[4] & 0x80
    lx = (5 if has_alpha else 7) if landscape else h[3] & 7
    ly = h[3] & 7 if landscape else (5 if has_alpha else 7)
    return lx / ly


def decode(h: bytes) -> tuple[int, int, list[tuple[float, float, float, float]]]:
    """(width, height, pixels as (r, g, b, a) in 0..1, rows top to bottom)."""
    header24 = h[0] | (h[1] << 8) | (h[2] << 16)
    header16 = h[3] | (h[4] << 8)
    l_dc = (header24 & 63) / 63
    p_dc = ((header24 >> 6) & 63) / 31.5 - 1
    q_dc = ((header24 >> 12) & 63) / 31.5 - 1
    l_scale = ((header24 >> 18) & 31) / 31
    has_alpha = header24 >> 23
    p_scale = ((header16 >> 3) & 63) / 63
    q_scale = ((header16 >> 9) & 63) / 63
    landscape = header16 >> 15
    lx = max(3, (5 if has_alpha else 7) if landscape else header16 & 7)
    ly = max(3, header16 & 7 if landscape else (5 if has_alpha else 7))
    a_dc = (h[5] & 15) / 15 if has_alpha else 1
    a_scale = (h[5] >> 4) / 15
    ac_start = 6 if has_alpha else 5
    index = 0

    def channel(nx: int, ny: int, scale: float) -> list[float]:
        nonlocal index
        ac = []
        for cy in range(ny):
            cx = 0 if cy else 1
            while cx * ny < nx * (ny - cy):
                nibble = (h[ac_start + (index >> 1)] >> ((index & 1) << 2)) & 15
                ac.append((nibble / 7.5 - 1) * scale)
                index += 1
                cx += 1
        return ac

    l_ac = channel(lx, ly, l_scale)
    p_ac = channel(3, 3, p_scale * 1.25)  # the reference boosts saturation by 1.25
    q_ac = channel(3, 3, q_scale * 1.25)
    a_ac = channel(5, 5, a_scale) if has_alpha else []

    ratio = approximate_aspect_ratio(h)
    w = round(32 if ratio > 1 else 32 * ratio)
    hh = round(32 / ratio if ratio > 1 else 32)
    pixels = []
    for y in range(hh):
        for x in range(w):
            l, p, q, a = l_dc, p_dc, q_dc, a_dc
            n = max(lx, 5 if has_alpha else 3)
            fx = [math.cos(math.pi / w * (x + 0.5) * cx) for cx in range(n)]
            n = max(ly, 5 if has_alpha else 3)
            fy = [math.cos(math.pi / hh * (y + 0.5) * cy) for cy in range(n)]
            j = 0
            for cy in range(ly):
                cx = 0 if cy else 1
                while cx * ly < lx * (ly - cy):
                    l += l_ac[j] * fx[cx] * fy[cy] * 2
                    j += 1
                    cx += 1
            j = 0
            for cy in range(3):
                for cx in range(0 if cy else 1, 3 - cy):
                    f = fx[cx] * fy[cy] * 2
                    p += p_ac[j] * f
                    q += q_ac[j] * f
                    j += 1
            if has_alpha:
                j = 0
                for cy in range(5):
                    for cx in range(0 if cy else 1, 5 - cy):
                        a += a_ac[j] * fx[cx] * fy[cy] * 2
                        j += 1
            b = l - 2 / 3 * p
            r = (3 * l - b + q) / 2
            g = r - q
            pixels.append(tuple(max(0.0, min(1.0, v)) for v in (r, g, b, a)))
    return w, hh, pixels
