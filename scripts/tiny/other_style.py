"""A deliberately different renderer for checking robustness: pure numpy rasterisation
(no PIL drawing, no anti-aliasing), named web colours instead of sampled shades, different
shape proportions (isosceles triangles, fat crosses, 6-point-free stars with other ratios,
pointy-top hexagons), flat or two-tone backgrounds, and sometimes a drop shadow.
"""
import math

import numpy as np

SIZE = 224
WEB_COLOURS = {
    "red": [(255, 0, 0), (220, 20, 60), (178, 34, 34), (205, 50, 50)],
    "green": [(0, 128, 0), (0, 255, 0), (34, 139, 34), (50, 205, 50)],
    "blue": [(0, 0, 255), (30, 144, 255), (65, 105, 225), (0, 0, 205)],
    "yellow": [(255, 255, 0), (255, 215, 0), (240, 230, 60)],
    "orange": [(255, 165, 0), (255, 140, 0), (255, 120, 30)],
    "purple": [(128, 0, 128), (148, 0, 211), (138, 43, 226), (102, 51, 153)],
    "black": [(0, 0, 0), (25, 25, 25)],
    "white": [(255, 255, 255), (245, 245, 245)],
}
BACKGROUNDS = [(255, 255, 255), (240, 240, 240), (200, 200, 200), (128, 128, 128), (64, 64, 64),
               (30, 30, 40), (245, 235, 215), (220, 230, 240)]


def polygon(shape, rng, r):
    if shape == "circle":
        t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
        return np.stack([np.cos(t), np.sin(t)], 1) * r
    if shape == "square":
        return np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * r * 0.75
    if shape == "triangle":
        return np.array([[0, -1], [0.75, 0.8], [-0.75, 0.8]]) * r
    if shape == "hexagon":
        t = np.pi / 2 + np.arange(6) * np.pi / 3
        return np.stack([np.cos(t), np.sin(t)], 1) * r
    if shape == "star":
        inner = rng.uniform(0.4, 0.55)
        t = -np.pi / 2 + np.arange(10) * np.pi / 5
        rr = np.where(np.arange(10) % 2 == 0, r, r * inner)
        return np.stack([np.cos(t) * rr, np.sin(t) * rr], 1)
    if shape == "cross":
        w = 0.4
        p = [(-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w), (w, 1), (-w, 1), (-w, w), (-1, w),
             (-1, -w), (-w, -w)]
        return np.array(p, float) * r * 0.9
    raise ValueError(shape)


def inside(poly, xs, ys):
    """even-odd point-in-polygon test on pixel centres"""
    res = np.zeros(xs.shape, bool)
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        cond = (y1 > ys) != (y2 > ys)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = x1 + (ys - y1) * (x2 - x1) / (y2 - y1)
        res ^= cond & (xs < xint)
    return res


def render_other(rng, colour, shape):
    bg = np.array(BACKGROUNDS[rng.integers(len(BACKGROUNDS))], float)
    fill = np.array(WEB_COLOURS[colour][rng.integers(len(WEB_COLOURS[colour]))], float)
    while np.abs(bg - fill).sum() < 120:
        bg = np.array(BACKGROUNDS[rng.integers(len(BACKGROUNDS))], float)
    img = np.empty((SIZE, SIZE, 3), float)
    img[:] = bg
    if rng.uniform() < 0.4:  # two-tone background split
        yy, xx = np.mgrid[0:SIZE, 0:SIZE]
        img[(xx + yy * rng.uniform(-1, 1)) > SIZE * 0.5] *= 0.85
    r = rng.uniform(30, 85)
    cx, cy = rng.uniform(r, SIZE - r), rng.uniform(r, SIZE - r)
    rot = rng.uniform(0, 2 * np.pi)
    c, s = math.cos(rot), math.sin(rot)
    poly = polygon(shape, rng, r) @ np.array([[c, s], [-s, c]]) + [cx, cy]
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    if rng.uniform() < 0.3:  # drop shadow
        m = inside(poly + 5, xx, yy)
        img[m] *= 0.6
    m = inside(poly, xx, yy)
    img[m] = fill
    if rng.uniform() < 0.25:  # outline only: carve the interior back out
        shrink = poly - [cx, cy]
        inner = inside(shrink * (1 - rng.uniform(0.15, 0.3)) + [cx, cy], xx, yy)
        img[inner] = bg
    return np.clip(img, 0, 255).astype(np.uint8)


def render_other_set(seed, pairs, per_pair):
    rng = np.random.default_rng(seed)
    arr, metas = [], []
    for k in range(per_pair):
        for c, s in pairs:
            arr.append(render_other(rng, c, s))
            metas.append({"colour": c, "shape": s})
    return np.stack(arr), metas
