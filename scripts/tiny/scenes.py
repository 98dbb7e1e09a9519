"""Procedural scenes for the tiny CLIP: one coloured shape on a textured background.

render_scene(rng, colour, shape) -> (PIL.Image 224x224 RGB, meta dict). Everything is driven
by the numpy Generator passed in, so a seed reproduces a data set exactly.
Drawing styles vary on purpose (filled / outline / filled+border, thick or thin lines,
anti-aliased by supersampling or aliased, jittered vertices, blur, noise, JPEG) so the model
does not learn one renderer.
"""
import colorsys
import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 224

# hue (degrees), saturation range, value range
COLOUR_HSV = {
    "red": ((-8, 6), (0.75, 1.0), (0.65, 1.0)),
    "orange": ((20, 40), (0.80, 1.0), (0.88, 1.0)),
    "yellow": ((49, 62), (0.70, 1.0), (0.85, 1.0)),
    "green": ((95, 145), (0.55, 1.0), (0.40, 1.0)),
    "blue": ((205, 245), (0.65, 1.0), (0.55, 1.0)),
    "purple": ((265, 305), (0.50, 1.0), (0.42, 0.90)),
}


def colour_rgb(rng, name):
    if name == "black":
        v = rng.uniform(0.0, 0.14)
        s = rng.uniform(0, 0.5)
        h = rng.uniform(0, 1)
    elif name == "white":
        v = rng.uniform(0.93, 1.0)
        s = rng.uniform(0, 0.07)
        h = rng.uniform(0, 1)
    else:
        (h0, h1), (s0, s1), (v0, v1) = COLOUR_HSV[name]
        h = (rng.uniform(h0, h1) % 360) / 360.0
        s = rng.uniform(s0, s1)
        v = rng.uniform(v0, v1)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (int(r * 255 + 0.5), int(g * 255 + 0.5), int(b * 255 + 0.5))


def background_rgb(rng, kind):
    """Backgrounds are unsaturated so the object's colour is unambiguous."""
    h = rng.uniform(0, 1)
    if kind == "grey":
        s, v = rng.uniform(0, 0.06), rng.uniform(0.38, 0.72)
    elif kind == "light":
        s, v = rng.uniform(0, 0.18), rng.uniform(0.82, 0.97)
    else:  # dark
        s, v = rng.uniform(0, 0.3), rng.uniform(0.10, 0.30)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return np.array([r, g, b]) * 255.0


def shape_points(rng, shape, cx, cy, r, rot, jitter):
    """Polygon vertices (list of (x, y)) for a shape of circumradius r."""
    if shape == "circle":
        n = 96
        a = rng.uniform(0.88, 1.0)  # slight ellipse
        pts = [(r * math.cos(t), a * r * math.sin(t)) for t in np.linspace(0, 2 * math.pi, n, endpoint=False)]
    elif shape == "square":
        k = r / math.sqrt(2)
        pts = [(-k, -k), (k, -k), (k, k), (-k, k)]
    elif shape == "triangle":
        pts = [(r * math.cos(t), r * math.sin(t)) for t in (-math.pi / 2 + np.arange(3) * 2 * math.pi / 3)]
    elif shape == "hexagon":
        pts = [(r * math.cos(t), r * math.sin(t)) for t in np.arange(6) * 2 * math.pi / 6]
    elif shape == "star":
        inner = rng.uniform(0.36, 0.5)
        pts = []
        for i in range(10):
            t = -math.pi / 2 + i * math.pi / 5
            rr = r if i % 2 == 0 else r * inner
            pts.append((rr * math.cos(t), rr * math.sin(t)))
    elif shape == "cross":
        w = r * rng.uniform(0.22, 0.36)
        L = r * 0.95
        pts = [(-w, -L), (w, -L), (w, -w), (L, -w), (L, w), (w, w), (w, L), (-w, L), (-w, w),
               (-L, w), (-L, -w), (-w, -w)]
    else:
        raise ValueError(shape)
    if shape == "circle":
        jitter *= 0.3  # many vertices: keep the outline smooth
    c, s = math.cos(rot), math.sin(rot)
    out = []
    for x, y in pts:
        if jitter > 0:
            x += rng.normal(0, jitter * r)
            y += rng.normal(0, jitter * r)
        out.append((cx + c * x - s * y, cy + s * x + c * y))
    return out


def make_background(rng, clean=False):
    kind = rng.choice(["grey", "light", "dark"], p=[0.4, 0.35, 0.25])
    base = background_rgb(rng, kind)
    tex = rng.choice(["plain", "noise", "gradient", "stripes", "checker", "blobs"],
                     p=[0.3, 0.15, 0.2, 0.12, 0.1, 0.13])
    if clean and tex in ("noise", "stripes"):
        tex = "plain"
    img = np.empty((SIZE, SIZE, 3), np.float32)
    img[:] = base
    amp = rng.uniform(8, 28)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    if tex == "noise":
        img += rng.normal(0, amp * 0.5, (SIZE, SIZE, 1)).astype(np.float32)
    elif tex == "gradient":
        t = rng.uniform(0, 2 * math.pi)
        g = (np.cos(t) * xx + np.sin(t) * yy) / SIZE
        img += (g[..., None] - 0.5) * 2.2 * amp
    elif tex == "stripes":
        t = rng.uniform(0, math.pi)
        period = rng.uniform(8, 40)
        g = np.sin((np.cos(t) * xx + np.sin(t) * yy) * 2 * math.pi / period)
        img += g[..., None] * amp * 0.5
    elif tex == "checker":
        p = int(rng.integers(10, 40))
        g = ((xx // p + yy // p) % 2) * 2 - 1
        img += g[..., None] * amp * 0.4
    elif tex == "blobs":
        for _ in range(int(rng.integers(3, 8))):
            bx, by, br = rng.uniform(0, SIZE), rng.uniform(0, SIZE), rng.uniform(15, 60)
            d = ((xx - bx) ** 2 + (yy - by) ** 2) / br ** 2
            img += (np.exp(-d) * rng.uniform(-1, 1) * amp)[..., None]
    img = np.clip(img, 0, 255)
    return img.astype(np.uint8), kind, tex


def render_scene(rng, colour, shape, clean=False):
    """clean=True: no pixel noise, noise texture or JPEG (small PNGs for a committed set)."""
    bg, bg_kind, tex = make_background(rng, clean)
    # keep black off dark and white off light backgrounds (the object must stay visible)
    while (colour == "black" and bg_kind == "dark") or (colour == "white" and bg_kind == "light"):
        bg, bg_kind, tex = make_background(rng, clean)
    fill = colour_rgb(rng, colour)

    r = rng.uniform(24, 92)
    margin = r * 0.9
    cx = rng.uniform(margin, SIZE - margin)
    cy = rng.uniform(margin, SIZE - margin)
    rot = rng.uniform(0, 2 * math.pi)
    jitter = rng.choice([0.0, rng.uniform(0.0, 0.035)], p=[0.6, 0.4])

    style = rng.choice(["filled", "outline", "bordered"], p=[0.6, 0.22, 0.18])
    aa = rng.uniform() < 0.65
    ss = 3 if aa else 1  # supersampling factor
    canvas = Image.fromarray(bg).resize((SIZE * ss, SIZE * ss), Image.NEAREST) if ss > 1 else Image.fromarray(bg)
    draw = ImageDraw.Draw(canvas)
    pts = [(x * ss, y * ss) for x, y in shape_points(rng, shape, cx, cy, r, rot, jitter)]
    lw = int(round(rng.uniform(3, max(4, r * 0.25)) * ss))
    if style == "filled":
        draw.polygon(pts, fill=fill)
    elif style == "outline":
        draw.line(pts + [pts[0], pts[1]], fill=fill, width=lw, joint="curve")
    else:  # filled with a border of a darker/lighter tone of the same colour
        f = rng.uniform(0.55, 0.8) if colour != "black" else 1.0
        border = tuple(int(min(255, c * f + (40 if colour == "black" else 0))) for c in fill)
        draw.polygon(pts, fill=fill)
        draw.line(pts + [pts[0], pts[1]], fill=border, width=max(ss, lw // 2), joint="curve")
    if ss > 1:
        canvas = canvas.resize((SIZE, SIZE), Image.LANCZOS if rng.uniform() < 0.5 else Image.BICUBIC)

    if rng.uniform() < 0.3:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.6)))
    arr = np.asarray(canvas).astype(np.float32)
    if rng.uniform() < 0.35 and not clean:
        arr += rng.normal(0, rng.uniform(2, 10), arr.shape).astype(np.float32)
    arr = np.clip(arr + 0.5, 0, 255).astype(np.uint8)
    img = Image.fromarray(arr)
    if rng.uniform() < 0.15 and not clean:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=int(rng.integers(40, 90)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")

    size_word = "small" if r < 44 else ("large" if r > 72 else "")
    bg_word = {"plain": bg_kind, "noise": "noisy"}.get(tex, "textured") if rng.uniform() < 0.5 else bg_kind
    meta = {"colour": colour, "shape": shape, "size": size_word, "background": bg_word,
            "style": style, "aa": bool(aa)}
    return img, meta


def render_dataset(seed, pairs, n, out_meta=None):
    """n scenes cycling over pairs (balanced); returns uint8 array [n,224,224,3] and metas."""
    rng = np.random.default_rng(seed)
    arr = np.empty((n, SIZE, SIZE, 3), np.uint8)
    metas = []
    for i in range(n):
        c, s = pairs[i % len(pairs)]
        img, meta = render_scene(rng, c, s)
        arr[i] = np.asarray(img)
        metas.append(meta)
    return arr, metas
