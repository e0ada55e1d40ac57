#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into tests/fuzz/corpus/<target>/.

    make_seeds.py [IMAGES_DIR]

IMAGES_DIR (default ../shared/images) provides real manifests, an index and
configs. The output is small and committed; rerun this after changing it.
"""
import gzip
import io
import json
import os
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "images")
OUT = os.path.join(HERE, "corpus")


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- reference ----
for i, ref in enumerate([
        "busybox", "alpine:3.20", "library/alpine:latest", "docker.io/library/busybox:1.38.0",
        "127.0.0.1:5000/library/busybox:1.38.0", "localhost/app", "localhost:5000/a/b/c:v1.2-rc_3",
        "ghcr.io/owner/app@sha256:" + "a" * 64, "registry.example.com:443/x/y:tag@sha256:" + "0123456789abcdef" * 4,
        "[::1]:5000/img:1", "index.docker.io/user/app", "docker.io/library/a/b", "Upper/Case", "a__b.c-d:TAG",
        "x" * 300]):
    write("reference", "ref%02d" % i, ref)

# ---- manifest: "Content-Type\nmanifest\n--config--\nconfig" ----
def blob(layout, digest):
    with open(os.path.join(IMAGES, layout, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
        return f.read().decode()


for layout in ["busybox-1.38.0-musl-amd64", "busybox-1.38.0-glibc-amd64", "busybox-1.38.0-musl-arm64v8"]:
    index = json.load(open(os.path.join(IMAGES, layout, "index.json")))
    desc = index["manifests"][0]
    manifest = blob(layout, desc["digest"])
    config = blob(layout, json.loads(manifest)["config"]["digest"])
    write("manifest", layout, desc["mediaType"] + "\n" + manifest + "\n--config--\n" + config)
    write("manifest", layout + "-untyped", "application/json\n" + manifest)
    if layout.endswith("musl-amd64"):
        docker = json.loads(manifest)
        docker["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json"
        docker["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json"
        for layer in docker["layers"]:
            layer["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip"
        write("manifest", "docker-schema2", docker["mediaType"] + "\n" + json.dumps(docker) + "\n--config--\n" + config)
multi = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + "1" * 64, "size": 608,
     "platform": {"os": "linux", "architecture": "amd64"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + "2" * 64, "size": 608,
     "platform": {"os": "linux", "architecture": "arm", "variant": "v6"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + "3" * 64, "size": 100,
     "platform": {"os": "unknown", "architecture": "unknown"}}]}
write("manifest", "index", "application/vnd.oci.image.index.v1+json\n" + json.dumps(multi))
write("manifest", "schema1", "application/vnd.docker.distribution.manifest.v1+prettyjws\n"
      '{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[],"history":[]}')
write("manifest", "errors", 'text/plain\n{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')

# ---- www_authenticate ----
for i, text in enumerate([
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/busybox:pull"',
        'Basic realm="Registry Realm"',
        'Bearer realm="https://a/t", error="insufficient_scope", Basic realm="x", Negotiate abc==',
        'Bearer realm="https://a/t?x=1",service="a\\"b,c"',
        '{"token":"abc","access_token":"abc","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}',
        '{"access_token":"xyz"}',
        "bytes 100-199/1000", "bytes 0-0/*",
        '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}',
        '{"details":"incorrect username or password"}']):
    write("www_authenticate", "seed%02d" % i, text)

# ---- docker_config ----
for i, doc in enumerate([
        {"auths": {"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"}}},
        {"auths": {"127.0.0.1:5000": {"auth": "YWxpY2U6czNjcmV0"}, "http://registry.example/v2/": {
            "username": "u", "password": "p"}}, "credsStore": "desktop"},
        {"registry-mirrors": ["http://127.0.0.1:5000"], "insecure-registries": ["10.0.0.0/8", "registry.lan:5000"],
         "max-concurrent-downloads": 3, "max-download-attempts": 3, "registry-connect-timeout": 30,
         "registry-stall-timeout": 60, "max-layer-size": "20GB"},
        {"auths": {"docker.io": {"auth": "bm9jb2xvbg=="}}}]):
    write("docker_config", "seed%02d" % i, json.dumps(doc))

# ---- unpack: small tarballs, cut after the end-of-archive blocks ----
def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    body = raw.getvalue()
    while body.endswith(b"\0" * 512) and body[:-512].endswith(b"\0" * 1024):
        body = body[:-512]
    return body


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644, pax=None):
    t = tarfile.TarInfo(name)
    t.type, t.linkname, t.mode, t.mtime = kind, link, mode, 1_000_000_000
    t.size = len(data) if kind == tarfile.REGTYPE else 0
    if pax:
        t.pax_headers = pax
    return t, data if kind == tarfile.REGTYPE else None


basic = [entry("etc", tarfile.DIRTYPE, mode=0o755), entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"),
         entry("bin", tarfile.DIRTYPE, mode=0o755), entry("bin/sh", data=b"\x7fELF", mode=0o4755),
         entry("bin/ash", tarfile.LNKTYPE, link="bin/sh"), entry("usr/bin/env", tarfile.SYMTYPE, link="/bin/sh"),
         entry("dev/null", tarfile.CHRTYPE), entry("run/fifo", tarfile.FIFOTYPE)]
write("unpack", "basic.tar", tar_bytes(basic))
write("unpack", "basic.tar.gz", gzip.compress(tar_bytes(basic), mtime=0))
write("unpack", "whiteouts.tar", tar_bytes([
    entry("etc", tarfile.DIRTYPE), entry("etc/.wh.passwd"), entry("var/.wh..wh..opq"), entry("var/new", data=b"n")]))
write("unpack", "xattrs.tar", tar_bytes([
    entry("bin/ping", data=b"p", pax={"SCHILY.xattr.security.capability": "\x01\x00\x00\x02",
                                     "SCHILY.xattr.trusted.overlay.opaque": "y"}),
    entry("d", tarfile.DIRTYPE, pax={"SCHILY.xattr.user.note": "hello"})]))
write("unpack", "gnu-longname.tar", tar_bytes([entry("l" * 150 + "/" + "m" * 120, data=b"long")], tarfile.GNU_FORMAT))
write("unpack", "escapes.tar", tar_bytes([
    entry("up", tarfile.SYMTYPE, link="../../.."), entry("up/escaped", data=b"x"), entry("../dotdot", data=b"x"),
    entry("/abs/file", data=b"x"), entry("h", tarfile.LNKTYPE, link="/etc/passwd")]))
write("unpack", "replace.tar", tar_bytes([
    entry("x", data=b"file"), entry("x", tarfile.DIRTYPE), entry("x/y", data=b"y"), entry("x", data=b"again"),
    entry("s", tarfile.SYMTYPE, link="x"), entry("s", tarfile.DIRTYPE)]))
sparse_map = b"1\n%d\n16\n" % (4096 - 16)
write("unpack", "sparse.tar", tar_bytes([entry("GNUSparseFile.0/sparse", data=sparse_map + b"\0" * (512 - len(
    sparse_map)) + b"S" * 16, pax={"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "sparse",
                                    "GNU.sparse.realsize": "4096"})]))

# ---- image_config: real configs, and the fields a hostile image gets wrong ----
for layout in ["busybox-1.38.0-musl-amd64", "busybox-1.38.0-glibc-amd64"]:
    index = json.load(open(os.path.join(IMAGES, layout, "index.json")))
    manifest = blob(layout, index["manifests"][0]["digest"])
    write("image_config", layout, blob(layout, json.loads(manifest)["config"]["digest"]))
rootfs = {"type": "layers", "diff_ids": ["sha256:" + "a" * 64]}
for name, config in {
        "full": {"architecture": "amd64", "os": "linux", "rootfs": rootfs, "config": {
            "User": "1000:1000", "Env": ["PATH=/bin", "A=b"], "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo hi"],
            "WorkingDir": "/w", "Labels": {"k": "v"}, "Volumes": {"/data": {}}, "ExposedPorts": {"80/tcp": {}},
            "StopSignal": "SIGTERM", "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000, "Retries": 3},
            "Shell": ["/bin/sh", "-c"], "OnBuild": None, "ArgsEscaped": True}},
        "env-number": {"rootfs": rootfs, "config": {"Env": [42]}},
        "entrypoint-string": {"rootfs": rootfs, "config": {"Entrypoint": "/bin/sh"}},
        "nul": {"rootfs": rootfs, "config": {"Env": ["A=\u0000"], "WorkingDir": "/x\u0000y"}},
        "labels-object": {"rootfs": rootfs, "config": {"Labels": {"k": {"v": 1}}}},
        "container-config": {"rootfs": rootfs, "config": None, "container_config": {"Cmd": [1]}}}.items():
    write("image_config", name, json.dumps(config))
print("seeds written to", OUT)
