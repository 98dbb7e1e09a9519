#!/usr/bin/python3
"""Fetch the real CLIP ViT-B/32 model package into models/clip-vit-b32/ (git-ignored).

From the Hugging Face hub repository Xenova/clip-vit-base-patch32 at a pinned revision:
    onnx/vision_model_quantized.onnx   (~89 MB, uint8 dynamically quantized)
    onnx/text_model_quantized.onnx     (~65 MB)
    onnx/vision_model.onnx, onnx/text_model.onnx   (fp32, ~350 + ~255 MB; only with --fp32)
    tokenizer.json, preprocessor_config.json, config.json
The .onnx files are stored flat in the output folder (vision_model_quantized.onnx, ...), the
names the page's "load model from files" control also expects. Then manifest.json is written:
the project's model-package manifest with the size and SHA-256 of every file that arrived.

Downloads show a progress line, go to FILE.part first and resume from its size with an HTTP
Range request after an interruption (just run the command again). Files already complete are
kept (--force fetches them again). Without network it fails at once with a message saying how
else to get the files. Standard library only; not part of set-up or CI.

    /usr/bin/python3 scripts/fetch_model.py                  # quantized model from the hub
    /usr/bin/python3 scripts/fetch_model.py --fp32           # also the fp32 files (manifest "variants")
    /usr/bin/python3 scripts/fetch_model.py --from-dir /media/usb/clip-vit-b32
                                  # no network: copy the same files from a folder (a USB stick, a
                                  # copy of another machine's models/clip-vit-b32/, or a hub
                                  # snapshot with an onnx/ subfolder) and write the manifest

Exit status: 0 done; 1 a file is missing, corrupt or refused; 2 bad usage; 3 the hub is unreachable.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "models", "clip-vit-b32")

HUB_HOST = "huggingface.co"
CLIPX_HUB_REPO = "Xenova/clip-vit-base-patch32"
# TODO: pin to the commit hash of the files the project was tested with (this machine had no
# network to look it up). A branch name such as "main" follows whatever is pushed there later;
# the commit that "main" resolved to is printed and recorded in manifest.json ("commit").
CLIPX_HUB_REVISION = "main"

MODEL_ID = "clip-vit-b32"
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
EMBED_DIM = 512
LOGIT_SCALE = 100
CONTEXT_LENGTH = 77
IMAGE_SIZE = 224

# (path in the hub repository, local name, role); roles: tokenizer, vision, text, config files
QUANTIZED = [("onnx/text_model_quantized.onnx", "text_model_quantized.onnx", "text"),
             ("onnx/vision_model_quantized.onnx", "vision_model_quantized.onnx", "vision")]
FP32 = [("onnx/text_model.onnx", "text_model.onnx", "fp32 text"),
        ("onnx/vision_model.onnx", "vision_model.onnx", "fp32 vision")]
SMALL = [("tokenizer.json", "tokenizer.json", "tokenizer"),
         ("config.json", "config.json", "config"),
         ("preprocessor_config.json", "preprocessor_config.json", "preprocessor_config")]
USER_AGENT = "clip-zero-shot-fetch/1 (python-urllib)"
CHUNK = 1 << 20
EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 1, 2, 3


class Unreachable(Exception):
    pass


STARTED = {"downloading": False}  # whether any byte may have been written before a failure


class Failed(Exception):
    pass


def unreachable_message(base, reason, out):
    rel = os.path.relpath(out, ROOT)
    rel = out if rel.startswith("..") else rel
    done = ("Files already complete are kept, and partial ones (.part) resume when you run the command again."
            if STARTED["downloading"] else "Nothing was downloaded.")
    return (f"fetch_model: the Hugging Face hub is unreachable ({base}: {reason}).\n"
            f"{done} To get the model without network on this machine:\n"
            f"  - copy the folder {rel}/ from a machine that has it (there: run this script), or point\n"
            f"    this script at a copy:  /usr/bin/python3 scripts/fetch_model.py --from-dir /path/to/clip-vit-b32\n"
            "  - or, in the page, use \"load model from files\" and pick vision_model_quantized.onnx,\n"
            "    text_model_quantized.onnx and tokenizer.json (e.g. from a USB stick).")


# ---------------------------------------------------------------------------- helpers

def human(n):
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


class Progress:
    """One updating line on stderr (a plain line per file when stderr is not a terminal)."""

    def __init__(self, name, total, start=0):
        self.name, self.total, self.start, self.done = name, total, start, start
        self.t0 = self.last = time.monotonic()
        self.tty = sys.stderr.isatty()

    def line(self):
        el = max(time.monotonic() - self.t0, 1e-6)
        speed = (self.done - self.start) / el
        tot = f" / {human(self.total)} {100 * self.done / self.total:3.0f}%" if self.total else ""
        eta = f"  {(self.total - self.done) / speed:.0f} s left" if self.total and speed > 0 and self.done < self.total else ""
        resumed = f"  (resumed at {human(self.start)})" if self.start else ""
        return f"  {self.name}: {human(self.done)}{tot}  {human(speed)}/s{eta}{resumed}"

    def update(self, n):
        self.done += n
        now = time.monotonic()
        if self.tty and now - self.last >= 0.2:
            self.last = now
            sys.stderr.write("\r" + self.line().ljust(100)[:160])
            sys.stderr.flush()

    def finish(self):
        sys.stderr.write(("\r" if self.tty else "") + self.line().ljust(100 if self.tty else 0) + "\n")
        sys.stderr.flush()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def entry(out, name):
    path = os.path.join(out, name)
    return {"file": name, "bytes": os.path.getsize(path), "sha256": sha256_file(path)}


# ---------------------------------------------------------------------------- hub

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 30x arrives as an HTTPError whose headers we read


def hub_url(base, repo, revision, path):
    return "/".join([base.rstrip("/"), repo, "resolve", urllib.parse.quote(revision, safe=""), path])


def check_reachable(base, timeout):
    """Fails fast (DNS failure: at once; no route / no answer: within `timeout`) with Unreachable."""
    u = urllib.parse.urlsplit(base)
    if urllib.request.getproxies().get(u.scheme):
        return  # through a proxy: the first request tells
    port = u.port or (443 if u.scheme == "https" else 80)
    try:
        socket.create_connection((u.hostname, port), timeout=timeout).close()
    except socket.gaierror as e:
        raise Unreachable(f"cannot resolve {u.hostname}: {e.strerror or e}")
    except socket.timeout:
        raise Unreachable(f"no answer from {u.hostname}:{port} within {timeout:g} s")
    except OSError as e:
        raise Unreachable(f"cannot connect to {u.hostname}:{port}: {e.strerror or e}")


def _open(req, timeout, opener=None):
    try:
        return (opener or urllib.request.build_opener()).open(req, timeout=timeout)
    except urllib.error.HTTPError:
        raise
    except urllib.error.URLError as e:
        raise Unreachable(str(e.reason))
    except (socket.timeout, TimeoutError):
        raise Unreachable(f"no answer within {timeout:g} s")
    except OSError as e:
        raise Unreachable(str(e))


def head_info(url, timeout):
    """What the hub says about a file before any redirect to its storage: the commit the revision
    resolves to, the size and, for large (LFS) files, the SHA-256. Empty values when not given."""
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    try:
        with _open(req, timeout, urllib.request.build_opener(NoRedirect)) as r:
            h = r.headers
    except urllib.error.HTTPError as e:
        if e.code in (301, 302, 303, 307, 308):
            h = e.headers
        elif e.code in (401, 403, 404):
            raise Failed(f"{url}: HTTP {e.code} (no such file or revision, or not public)")
        else:
            raise Failed(f"{url}: HTTP {e.code} {e.reason}")
    size = h.get("X-Linked-Size") or (h.get("Content-Length") if not h.get("Location") else None)
    etag = (h.get("X-Linked-Etag") or h.get("ETag") or "").strip('W/"').lower()
    return {"commit": h.get("X-Repo-Commit"), "bytes": int(size) if size and size.isdigit() else None,
            "sha256": etag if re.fullmatch(r"[0-9a-f]{64}", etag) else None}


def finish_part(part, dest, expected_sha):
    """Moves a complete .part into place, unless it differs from the SHA-256 the hub announced."""
    if expected_sha:
        got = sha256_file(part)
        if got != expected_sha:
            os.remove(part)
            raise Failed(f"{os.path.basename(dest)}: SHA-256 {got[:12]}... is not the hub's {expected_sha[:12]}...; "
                         "the corrupt download was deleted: run the command again")
    os.replace(part, dest)


def download(url, dest, timeout, read_timeout, expected_bytes=None, expected_sha=None, retries=3):
    """Downloads url to dest via dest.part, resuming a partial .part with an HTTP Range request."""
    part = dest + ".part"
    name = os.path.basename(dest)
    for attempt in range(retries + 1):
        start = os.path.getsize(part) if os.path.exists(part) else 0
        if expected_bytes is not None and start > expected_bytes:
            os.remove(part)
            start = 0
        if expected_bytes is not None and start == expected_bytes and start > 0:
            finish_part(part, dest, expected_sha)
            return
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if start:
            headers["Range"] = f"bytes={start}-"
        try:
            resp = _open(urllib.request.Request(url, headers=headers), timeout)
        except urllib.error.HTTPError as e:
            if e.code == 416 and start:
                m = re.search(r"/(\d+)", e.headers.get("Content-Range", ""))
                if m and int(m.group(1)) == start:  # the .part is already complete
                    finish_part(part, dest, expected_sha)
                    return
                os.remove(part)  # a stale or foreign .part: start again
                continue
            raise Failed(f"{url}: HTTP {e.code} {e.reason}")
        with resp:
            try:  # connecting waits `timeout`; a stalled transfer waits `read_timeout`
                resp.fp.raw._sock.settimeout(read_timeout)
            except AttributeError:
                pass
            if resp.status == 206:
                m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", resp.headers.get("Content-Range", "").strip())
                if not m or int(m.group(1)) != start:
                    raise Failed(f"{url}: the server answered the resume request with an unexpected range "
                                 f"({resp.headers.get('Content-Range')}); delete {part} and run again")
                total = int(m.group(3)) if m.group(3) != "*" else None
                mode = "ab"
            else:  # 200: the whole file (the server ignored the Range header, or none was sent)
                start = 0
                cl = resp.headers.get("Content-Length")
                total = int(cl) if cl and cl.isdigit() else None
                mode = "wb"
            total = total or expected_bytes
            prog = Progress(name, total, start)
            try:
                with open(part, mode) as f:
                    while True:
                        chunk = resp.read(CHUNK)
                        if not chunk:
                            break
                        f.write(chunk)
                        prog.update(len(chunk))
            except (socket.timeout, TimeoutError, ConnectionError, OSError) as e:
                prog.finish()
                if attempt < retries:
                    print(f"  {name}: interrupted ({e}); resuming ({attempt + 1}/{retries})", file=sys.stderr)
                    time.sleep(min(2 ** attempt, 10))
                    continue
                raise Failed(f"{name}: the download broke off ({e}); run the command again to resume from {part}")
            prog.finish()
        got = os.path.getsize(part)
        if total is not None and got != total:
            if attempt < retries and got < total:
                print(f"  {name}: got {got} of {total} bytes; resuming", file=sys.stderr)
                continue
            raise Failed(f"{name}: got {got} bytes, expected {total}; run the command again to resume")
        finish_part(part, dest, expected_sha)
        return
    raise Failed(f"{name}: could not complete the download; run the command again to resume from {part}")


def fetch_from_hub(a, files):
    base = a.hub_url or f"https://{HUB_HOST}"
    check_reachable(base, a.timeout)
    os.makedirs(a.out, exist_ok=True)
    print(f"fetch_model: {CLIPX_HUB_REPO} at revision {a.revision} -> {a.out}")
    meta = {"commit": None, "hub_sha256": {}}
    for path, name, _role in files:
        dest = os.path.join(a.out, name)
        url = hub_url(base, CLIPX_HUB_REPO, a.revision, path)
        info = head_info(url, a.timeout)
        meta["commit"] = meta["commit"] or info["commit"]
        if info["sha256"]:
            meta["hub_sha256"][name] = info["sha256"]
        if os.path.exists(dest) and not a.force and (info["bytes"] is None or os.path.getsize(dest) == info["bytes"]):
            if not info["sha256"] or sha256_file(dest) == info["sha256"]:
                print(f"  {name}: already here ({human(os.path.getsize(dest))}); --force fetches it again")
                continue
            print(f"  {name}: the copy here differs from the hub's; fetching it again")
        STARTED["downloading"] = True
        download(url, dest, a.timeout, a.read_timeout, info["bytes"], info["sha256"])
    if meta["commit"]:
        print(f"  revision {a.revision} is commit {meta['commit']}"
              + ("" if meta["commit"] == a.revision else " (pin CLIPX_HUB_REVISION to it)"))
    return {"revision": a.revision, "commit": meta["commit"], "from": "hub"}, meta["hub_sha256"]


# ---------------------------------------------------------------------------- local folder

def find_in_dir(src, path, name):
    for cand in (os.path.join(src, name), os.path.join(src, path)):
        if os.path.isfile(cand):
            return cand
    return None


def fetch_from_dir(a, files):
    src = os.path.abspath(a.from_dir)
    if not os.path.isdir(src):
        raise Failed(f"--from-dir {a.from_dir}: no such folder")
    print(f"fetch_model: copying from {src} -> {a.out}")
    theirs = {}
    man = os.path.join(src, "manifest.json")
    if os.path.isfile(man) and os.path.abspath(man) != os.path.abspath(os.path.join(a.out, "manifest.json")):
        try:
            with open(man) as f:
                m = json.load(f)
            for e in [m.get(k) for k in ("tokenizer", "vision", "text")] + \
                     [v for v in (m.get("variants", {}).get("fp32", {}) or {}).values()] + \
                     list((m.get("files") or {}).values()):
                if isinstance(e, dict) and "file" in e and "sha256" in e:
                    theirs[os.path.basename(e["file"])] = e["sha256"]
            source = m.get("fetched") or {}
        except (OSError, ValueError, AttributeError) as e:
            raise Failed(f"{man}: not a readable manifest ({e})")
    else:
        source = {}
    plan, missing = [], []
    for path, name, role in files:
        found = find_in_dir(src, path, name)
        if found is None and role in ("config", "preprocessor_config"):
            print(f"  {name}: not in {src}; skipped (the page does not need it)")
        elif found is None:
            missing.append(name)
        else:
            plan.append((found, name))
    if missing:
        raise Failed(f"--from-dir {src}: missing {', '.join(missing)} (looked for NAME and onnx/NAME); nothing copied")
    os.makedirs(a.out, exist_ok=True)
    for found, name in plan:
        dest = os.path.join(a.out, name)
        if os.path.abspath(found) == os.path.abspath(dest):
            continue
        part = dest + ".part"
        prog = Progress(name, os.path.getsize(found))
        h = hashlib.sha256()
        with open(found, "rb") as fi, open(part, "wb") as fo:
            for chunk in iter(lambda: fi.read(CHUNK), b""):
                fo.write(chunk)
                h.update(chunk)
                prog.update(len(chunk))
        prog.finish()
        if name in theirs and h.hexdigest() != theirs[name]:
            os.remove(part)
            raise Failed(f"{found}: SHA-256 {h.hexdigest()[:12]}... is not the {theirs[name][:12]}... that {man} "
                         "records; the file is corrupt or not this model's (not copied)")
        os.replace(part, dest)
    return {"revision": source.get("revision"), "commit": source.get("commit"), "from": "dir"}, theirs


# ---------------------------------------------------------------------------- manifest

def check_configs(out):
    """Warns when the fetched config files disagree with the constants the manifest records."""
    notes = []
    try:
        with open(os.path.join(out, "config.json")) as f:
            c = json.load(f)
        if c.get("projection_dim", EMBED_DIM) != EMBED_DIM:
            notes.append(f"config.json projection_dim {c.get('projection_dim')} != {EMBED_DIM}")
        ctx = (c.get("text_config") or {}).get("max_position_embeddings", CONTEXT_LENGTH)
        if ctx != CONTEXT_LENGTH:
            notes.append(f"config.json max_position_embeddings {ctx} != {CONTEXT_LENGTH}")
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(out, "preprocessor_config.json")) as f:
            p = json.load(f)
        for key, want in (("image_mean", MEAN), ("image_std", STD)):
            got = p.get(key, want)
            if len(got) != 3 or any(abs(x - y) > 1e-7 for x, y in zip(got, want)):
                notes.append(f"preprocessor_config.json {key} {got} != {want}")
    except (OSError, ValueError):
        pass
    for n in notes:
        print(f"  WARNING: {n}", file=sys.stderr)


def write_manifest(a, files, fetched, expected_sha):
    names = {role: name for _p, name, role in files}
    entries = {}
    for role, name in names.items():
        if os.path.exists(os.path.join(a.out, name)):
            entries[role] = entry(a.out, name)
    bad = [f"{e['file']} (SHA-256 {e['sha256'][:12]}..., expected {expected_sha[e['file']][:12]}...)"
           for e in entries.values() if e["file"] in expected_sha and expected_sha[e["file"]] != e["sha256"]]
    if bad:
        raise Failed("corrupt or different files, manifest not written: " + "; ".join(bad)
                     + ". Delete them and fetch again.")
    io_v = {"input": "pixel_values", "output": "image_embeds"}
    io_t = {"input": "input_ids", "output": "text_embeds", "input_type": "int64", "dynamic_length": True}
    rev = fetched.get("revision")
    manifest = {
        "id": MODEL_ID,
        "name": "CLIP ViT-B/32 (OpenAI)",
        "description": ("OpenAI's CLIP ViT-B/32 (Radford et al., 2021), ONNX export by Xenova, image and text "
                        "encoders uint8 dynamically quantized."),
        "license": "MIT (OpenAI CLIP weights)",
        "source": f"https://{HUB_HOST}/{CLIPX_HUB_REPO}" + (f"/tree/{fetched['commit'] or rev}" if (fetched.get("commit") or rev) else ""),
        "embed_dim": EMBED_DIM,
        "logit_scale": LOGIT_SCALE,
        "image": {"size": IMAGE_SIZE, "mean": MEAN, "std": STD},
        "tokenizer": {**entries["tokenizer"], "context_length": CONTEXT_LENGTH},
        "vision": {**entries["vision"], **io_v, "quantization": "uint8 (dynamic)"},
        "text": {**entries["text"], **io_t, "quantization": "uint8 (dynamic)"},
    }
    if "fp32 vision" in entries and "fp32 text" in entries:
        manifest["variants"] = {"fp32": {"vision": {**entries["fp32 vision"], **io_v, "quantization": "none"},
                                         "text": {**entries["fp32 text"], **io_t, "quantization": "none"}}}
    extra = {r: entries[r] for r in ("config", "preprocessor_config") if r in entries}
    if extra:
        manifest["files"] = extra
    manifest["fetched"] = {"repo": CLIPX_HUB_REPO, "revision": rev, "commit": fetched.get("commit"),
                           "from": fetched["from"],
                           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    tmp = os.path.join(a.out, "manifest.json.part")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(a.out, "manifest.json"))
    return manifest


# ---------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: models/clip-vit-b32/)")
    ap.add_argument("--revision", default=CLIPX_HUB_REVISION,
                    help="hub revision: a commit hash (best) or a branch or tag name (default: %(default)s)")
    ap.add_argument("--fp32", action="store_true",
                    help="also fetch the fp32 vision_model.onnx and text_model.onnx (~600 MB; manifest 'variants')")
    ap.add_argument("--from-dir", metavar="DIR",
                    help="copy the files from a local folder instead of the hub (NAME or onnx/NAME in DIR; "
                         "if DIR has a manifest.json, the copies must match its SHA-256)")
    ap.add_argument("--force", action="store_true", help="fetch files again even when already here")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds to wait for the hub to answer a connection (default: %(default)s)")
    ap.add_argument("--read-timeout", type=float, default=60.0,
                    help="seconds a stalled transfer may wait before it is resumed (default: %(default)s)")
    ap.add_argument("--hub-url", help=argparse.SUPPRESS)  # tests: another base URL (scheme://host[:port])
    a = ap.parse_args(argv)
    if a.from_dir and a.hub_url:
        ap.error("--from-dir and --hub-url exclude each other")
    a.out = os.path.abspath(a.out)
    files = SMALL + QUANTIZED + (FP32 if a.fp32 else [])
    try:
        t0 = time.monotonic()
        if a.from_dir:
            fetched, expected = fetch_from_dir(a, files)
        else:
            fetched, expected = fetch_from_hub(a, files)
        check_configs(a.out)
        m = write_manifest(a, files, fetched, expected)
    except Unreachable as e:
        base = a.hub_url or f"https://{HUB_HOST}"
        print(unreachable_message(base, e, a.out), file=sys.stderr)
        return EXIT_UNREACHABLE
    except Failed as e:
        print(f"fetch_model: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nfetch_model: interrupted; run the same command again to resume (partial files end in .part)",
              file=sys.stderr)
        return 130
    total = m["vision"]["bytes"] + m["text"]["bytes"] + m["tokenizer"]["bytes"]
    print(f"fetch_model: wrote {os.path.join(a.out, 'manifest.json')}: vision {human(m['vision']['bytes'])}, "
          f"text {human(m['text']['bytes'])}, tokenizer {human(m['tokenizer']['bytes'])} "
          f"({human(total)} for the page) in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
