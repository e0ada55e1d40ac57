#!/usr/bin/env python3
"""Writes the hostile layer corpus: tarballs that try to escape, confuse or
exhaust `mini import`, plus cases.json describing what each must do.

    make_hostile_tars.py OUT_DIR CANARY_DIR

CANARY_DIR is a directory the attacks aim at by absolute path; the test
proves afterwards that nothing in it changed. Generated at test time into a
temporary directory; never commit the output.

cases.json lists objects:
  name     case name, also the tarball's base name
  file     tarball file name in OUT_DIR
  expect   "refuse" (non-zero exit, nothing stored), "accept" (imported), or
           "either" (both are safe; the canary check decides)
  env      extra environment for mini (the size limits)
  config   mini config file content (JSON object), when the case needs one
  present  paths that must exist in the unpacked layer when accepted
  absent   paths that must not exist in the unpacked layer when accepted
  why      what the case attacks
"""
import bz2
import gzip
import io
import json
import lzma
import random
import os
import sys
import tarfile

OUT, CANARY = sys.argv[1], os.path.abspath(sys.argv[2])
CASES = []
MTIME = 1_000_000_000


def info(name, kind=tarfile.REGTYPE, data=b"", link="", mode=None, pax=None, size=None):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.mtime = MTIME
    t.linkname = link
    t.mode = mode if mode is not None else (0o755 if kind == tarfile.DIRTYPE else 0o644)
    t.size = len(data) if size is None else size
    if kind != tarfile.REGTYPE:
        t.size = 0 if size is None else size
    if pax:
        t.pax_headers = dict(pax)
    return t, data


def f(name, data=b"x", **kw):
    return info(name, tarfile.REGTYPE, data if isinstance(data, bytes) else data.encode(), **kw)


def d(name, **kw):
    return info(name, tarfile.DIRTYPE, **kw)


def sym(name, target, **kw):
    return info(name, tarfile.SYMTYPE, link=target, mode=0o777, **kw)


def hard(name, target, **kw):
    return info(name, tarfile.LNKTYPE, link=target, **kw)


def dev(name, kind, major, minor):
    t, data = info(name, kind, mode=0o666)
    t.devmajor, t.devminor = major, minor
    return t, data


def write_tar(path, entries, fmt=tarfile.PAX_FORMAT, compress=False):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt, encoding="utf-8", errors="surrogateescape") as tar:
        for t, data in entries:
            tar.addfile(t, io.BytesIO(data) if t.type == tarfile.REGTYPE or t.type == tarfile.GNUTYPE_SPARSE else None)
    body = raw.getvalue()
    if compress:
        body = gzip.compress(body, mtime=0)
    with open(path, "wb") as out:
        out.write(body)


def case(name, expect, entries, why, fmt=tarfile.PAX_FORMAT, compress=False, env=None, config=None,
         present=(), absent=()):
    file = name + (".tar.gz" if compress else ".tar")
    write_tar(os.path.join(OUT, file), entries, fmt, compress)
    CASES.append({"name": name, "file": file, "expect": expect, "env": env or {}, "config": config,
                  "present": list(present), "absent": list(absent), "why": why})


def raw_case(name, expect, body, why, env=None, config=None):
    with open(os.path.join(OUT, name), "wb") as out:
        out.write(body)
    CASES.append({"name": name.split(".")[0], "file": name, "expect": expect, "env": env or {}, "config": config,
                  "present": [], "absent": [], "why": why})


canary_rel = CANARY.lstrip("/")
up = "../" * 32  # far more levels than any temp directory has

# ---- leaving the layer by name ----
case("dotdot", "refuse", [f("../escaped")], "a plain ../ entry")
case("dotdot-deep", "refuse", [f(up + canary_rel + "/secret", "pwned")], "../ all the way up to the canary")
case("dotdot-middle", "refuse", [d("a"), f("a/b/../../../escaped")], "../ after real directories")
case("dotdot-dir", "refuse", [f("ok"), d("a/.."), f("after")], "a directory entry named ..")
case("dotdot-pax-path", "refuse", [f("innocent", pax={"path": "../pax-escaped"})],
     "a pax path header overriding the name with ../")
case("dotdot-gnu-longname", "refuse", [f("x" * 120 + "/../../" + up + canary_rel + "/gnu-escaped")],
     "a GNU long name with ../", fmt=tarfile.GNU_FORMAT)
case("absolute", "accept", [f(CANARY + "/secret", "pwned"), f(CANARY + "/new", "pwned")],
     "absolute paths naming the canary land inside the layer",
     present=[canary_rel + "/secret", canary_rel + "/new"])
case("absolute-root", "either", [d("/"), f("/etc/passwd", "root::0:0::/:/bin/sh\n")],
     "an absolute /etc/passwd is the layer's own", present=["etc/passwd"])

# ---- leaving the layer through symlinks ----
case("symlink-etc", "either", [sym("etc", "/etc"), f("etc/passwd", "pwned\n")],
     "etc -> /etc, then a write to etc/passwd")
case("symlink-canary-write", "either", [sym("c", CANARY), f("c/secret", "pwned")],
     "an absolute symlink to the canary, then a write through it")
case("symlink-canary-new", "either", [sym("c", CANARY), f("c/new", "pwned")],
     "an absolute symlink to the canary, then a new file through it")
case("symlink-canary-dir", "either", [sym("c", CANARY), d("c/newdir"), f("c/newdir/file")],
     "an absolute symlink to the canary, then a directory through it")
case("symlink-relative", "either", [sym("up", up.rstrip("/")), f("up/" + canary_rel + "/secret", "pwned")],
     "a relative symlink climbing out, then a write through it")
case("symlink-chain", "either",
     [d("x/y"), sym("a", "b"), sym("b", "x/y/c"), sym("x/y/c", "../../" + up + canary_rel), f("a/secret", "pwned")],
     "a chain of symlinks whose last link leaves the root")
case("symlink-loop", "either", [sym("a", "b"), sym("b", "a"), f("a/file")], "a symlink loop, then a write")
case("symlink-replaces-dir", "either", [d("dir"), f("dir/file"), sym("dir", CANARY), f("dir/secret", "pwned")],
     "a directory replaced by a symlink to the canary, then written through")
case("symlink-whiteout", "either", [sym("c", CANARY), f("c/.wh.secret", "")],
     "a whiteout written through a symlink to the canary")
case("symlink-opaque", "either", [sym("c", CANARY), f("c/.wh..wh..opq", "")],
     "an opaque marker written through a symlink to the canary")
case("symlink-hardlink-source", "either", [sym("c", CANARY), f("target", "t"), hard("c/linked", "target")],
     "a hardlink created through a symlink to the canary")
case("symlink-inside", "accept", [d("real"), sym("alias", "/real"), f("alias/file", "inside")],
     "an absolute symlink that stays inside is followed inside", present=["real/file"])

# ---- hardlinks ----
case("hardlink-absolute", "refuse", [hard("h", CANARY + "/secret")], "a hardlink to an absolute host path")
case("hardlink-dotdot", "refuse", [hard("h", up + canary_rel + "/secret")], "a hardlink climbing out with ../")
case("hardlink-via-symlink", "refuse", [sym("c", CANARY), hard("h", "c/secret")],
     "a hardlink whose target goes through a symlink to the canary")
case("hardlink-missing", "refuse", [hard("h", "no/such/file")], "a hardlink to nothing")
case("hardlink-to-dir", "refuse", [d("dir"), hard("h", "dir")], "a hardlink to a directory")
case("hardlink-then-write", "accept", [f("orig", "original"), hard("h", "orig"), f("h", "replaced")],
     "a hardlink rewritten as a file must not change the original", present=["orig", "h"])
case("hardlink-to-symlink", "either", [sym("s", CANARY + "/secret"), hard("h", "s")],
     "a hardlink to a symlink pointing out")

# ---- special files ----
case("devices", "either",
     [dev("mem", tarfile.CHRTYPE, 1, 1), dev("disk", tarfile.BLKTYPE, 8, 0), dev("null", tarfile.CHRTYPE, 1, 3)],
     "character and block device nodes")
case("fifo", "accept", [info("pipe", tarfile.FIFOTYPE), f("after", "x")], "a FIFO, then a regular file",
     present=["after"])
case("device-over-canary-symlink", "either", [sym("c", CANARY), dev("c/secret", tarfile.CHRTYPE, 1, 1)],
     "a device node created through a symlink to the canary")

# ---- whiteouts ----
case("whiteout-dotdot", "refuse", [f(".wh..", "")], "a whiteout of ..")
case("whiteout-dotdot-nested", "refuse", [d("a"), f("a/.wh..", "")], "a whiteout of .. in a subdirectory")
case("whiteout-dot", "refuse", [f(".wh..", ""), f("a/.wh.", "")], "a whiteout of . and of nothing")
case("whiteout-opq-suffix", "refuse", [f(".wh..wh..opqX", "")], "an opaque marker with a suffix")
case("whiteout-meta-unknown", "refuse", [f("d/.wh..wh.plnk", "")], "an unknown .wh..wh. metadata name")
case("whiteout-opaque-ok", "accept", [d("d"), f("d/.wh..wh..opq", ""), f("d/kept")],
     "a valid opaque directory", present=["d/kept"], absent=["d/.wh..wh..opq"])
case("whiteout-xattr-forged", "accept",
     [d("d", pax={"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.trusted.overlay.redirect": "/etc"}),
      f("d/file")],
     "overlay xattrs supplied by the archive are dropped", present=["d/file"])

# ---- replacing things ----
case("duplicates", "accept", [f("same", "first"), f("same", "second"), d("dir"), d("dir")],
     "the same entry twice", present=["same", "dir"])
case("file-then-dir", "accept", [f("x", "file"), d("x"), f("x/inner")], "a file replaced by a directory",
     present=["x/inner"])
case("dir-then-file", "accept", [d("x"), f("x/inner"), f("x", "file")], "a directory replaced by a file",
     present=["x"], absent=["x/inner"])
case("root-replaced", "refuse", [f("./", "not a dir")], "the layer's root replaced by a file")
case("root-symlink", "refuse", [sym(".", CANARY)], "the layer's root replaced by a symlink")

# ---- names ----
case("long-component-ok", "accept", [f("n" * 255)], "a 255-byte file name", present=["n" * 255])
case("long-component-too-long", "refuse", [f("n" * 300)], "a 300-byte file name")
case("long-path-ok", "accept", [f("/".join(["p" * 200] * 19) + "/file")], "a 3800-byte path",
     present=["/".join(["p" * 200] * 19) + "/file"])
case("long-path", "refuse", [f("/".join(["p" * 200] * 30) + "/file")], "a 6000-byte path, beyond PATH_MAX")
case("deep-nesting", "accept", [f("/".join(["d"] * 1000) + "/file")],
     "1000 nested directories (the test runs mini with 256 file descriptors)",
     present=["/".join(["d"] * 1000) + "/file"])
case("deep-nesting-beyond-path-max", "refuse", [f("/".join(["d"] * 3000) + "/file")], "3000 nested directories")
case("non-utf8", "accept", [f("bad-\udcff\udcfe-name", "x"), d("dir-\udc80"), sym("link-\udce9", "bad-\udcff\udcfe-name")],
     "names that are not UTF-8", fmt=tarfile.GNU_FORMAT)
case("control-chars", "accept", [f("new\nline"), f("tab\tand\x1b[31mescape")], "newlines and escapes in names",
     present=["new\nline"])

# ---- exhaustion ----
def sparse_bomb(realsize, name="bomb"):
    # PAX sparse format 1.0: the map (entries, then offset/size pairs) fills
    # the first blocks of the data, followed by the data blocks themselves.
    mapping = b"1\n%d\n512\n" % (realsize - 512)
    mapping += b"\0" * (512 - len(mapping))
    data = mapping + b"S" * 512
    return info("GNUSparseFile.0/" + name, tarfile.REGTYPE, data=data,
                pax={"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": name,
                     "GNU.sparse.realsize": str(realsize)})


case("sparse-bomb-default", "refuse", [sparse_bomb(1 << 42)], "a 4 TiB sparse file against the default limit")
case("sparse-bomb-env", "refuse", [sparse_bomb(256 << 20)], "a 256 MiB sparse file against MINI_MAX_LAYER_BYTES",
     env={"MINI_MAX_LAYER_BYTES": str(64 << 20)})
case("sparse-many", "refuse", [sparse_bomb(40 << 20, "bomb%d" % i) for i in range(8)],
     "many sparse files, each below the limit, together above it", env={"MINI_MAX_LAYER_BYTES": str(64 << 20)})
case("sparse-config", "refuse", [sparse_bomb(256 << 20)], "a sparse file against max-layer-size in the config file",
     config={"max-layer-size": "64MB"})
case("sparse-under-limit", "accept", [sparse_bomb(16 << 20)], "a sparse file the limit allows",
     env={"MINI_MAX_LAYER_BYTES": str(64 << 20)}, present=["bomb"])


class Zeros(io.RawIOBase):
    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buf):
        n = min(len(buf), self.left)
        buf[:n] = bytes(n)
        self.left -= n
        return n


def zero_bomb(path, size):
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            t = tarfile.TarInfo("zeros")
            t.size = size
            t.mtime = MTIME
            tar.addfile(t, io.BufferedReader(Zeros(size), 1 << 20))


zero_bomb(os.path.join(OUT, "zero-bomb.tar.gz"), 256 << 20)
CASES.append({"name": "zero-bomb", "file": "zero-bomb.tar.gz", "expect": "refuse",
              "env": {"MINI_MAX_LAYER_BYTES": str(64 << 20)}, "config": None, "present": [], "absent": [],
              "why": "256 MiB of gzip-compressed zeros against MINI_MAX_LAYER_BYTES"})
# xz and bzip2 are stored decompressed, so the stream itself is bounded too.
zeros_tar = io.BytesIO()
with tarfile.open(fileobj=zeros_tar, mode="w", format=tarfile.PAX_FORMAT) as tar:
    t = tarfile.TarInfo("zeros")
    t.size = 96 << 20
    t.mtime = MTIME
    tar.addfile(t, io.BufferedReader(Zeros(t.size), 1 << 20))
raw_case("zero-bomb-xz.tar.xz", "refuse", lzma.compress(zeros_tar.getvalue(), preset=0),
         "96 MiB of xz-compressed zeros, which import stores decompressed, against MINI_MAX_LAYER_BYTES",
         env={"MINI_MAX_LAYER_BYTES": str(32 << 20)})
raw_case("zero-bomb-bz2.tar.bz2", "refuse", bz2.compress(zeros_tar.getvalue(), 1),
         "96 MiB of bzip2-compressed zeros against the limit in the config file", config={"max-layer-size": "32MB"})
del zeros_tar
case("many-empty-files", "accept", [f("e%05d" % i, b"") for i in range(1000)],
     "1000 empty files (the free inodes bound their number)", compress=True, present=["e00999"])

# ---- broken archives ----
good = io.BytesIO()
with tarfile.open(fileobj=good, mode="w", format=tarfile.PAX_FORMAT) as tar:
    t = tarfile.TarInfo("big")
    t.size = 1 << 20
    tar.addfile(t, io.BytesIO(random.Random(6).randbytes(1 << 20)))  # incompressible, so gzip cuts show
raw_case("truncated.tar", "refuse", good.getvalue()[: 600 * 1024], "a tar cut off inside a file")
raw_case("garbage.tar", "refuse", b"\x7fELF" + b"\xde\xad\xbe\xef" * 2000, "not an archive at all")
raw_case("empty.tar", "refuse", b"", "an empty file")
raw_case("gzip-truncated.tar.gz", "refuse", gzip.compress(good.getvalue(), mtime=0)[: 600 * 1024],
         "a gzip stream cut off")

with open(os.path.join(OUT, "cases.json"), "w") as out:
    json.dump(CASES, out, indent=1)
print(len(CASES))
