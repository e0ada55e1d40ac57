#!/usr/bin/env python3
"""Writes an OCI image layout whose layers the caller describes, for tests
of how mini stacks layers (many, repeated, whiteouts).

    make_layered_image.py BASE_TAR OUT_DIR SPEC_JSON [CONFIG_JSON]

SPEC_JSON is a list, bottom layer first. Each entry is one of
  "base"                        the rootfs tarball BASE_TAR
  {"files": {"path": "text"},   a layer adding files
   "owned": {"path": [uid, gid, "text"]},  files with those numeric owners
   "whiteouts": ["path"],       deleting lower ones (.wh. entries)
   "opaque": ["dir"]}           hiding all a lower dir held (.wh..wh..opq)
  {"same_as": N}                the very blob of entry N again
CONFIG_JSON, when given, is the image config's "config" object (Cmd, Env...),
written as given: hostile ones included.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(entry):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = set()
        paths = (list(entry.get("files", {})) + list(entry.get("owned", {})) + list(entry.get("whiteouts", [])) +
                 [d + "/.wh..wh..opq" for d in entry.get("opaque", [])])
        for path in paths:
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d and d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
        for path, text in entry.get("files", {}).items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
        for path, (uid, gid, text) in entry.get("owned", {}).items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.uid, info.gid = len(data), 0o644, uid, gid
            tar.addfile(info, io.BytesIO(data))
        for path in entry.get("opaque", []):
            tar.addfile(tarfile.TarInfo(path + "/.wh..wh..opq"), io.BytesIO(b""))
        for path in entry.get("whiteouts", []):
            head, _, name = path.rpartition("/")
            info = tarfile.TarInfo((head + "/" if head else "") + ".wh." + name)
            tar.addfile(info, io.BytesIO(b""))
    return buf.getvalue()


def main():
    base_tar, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    container_config = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {"Cmd": ["/bin/sh"]}
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)

    def put(data):
        digest = sha(data)
        with open(os.path.join(blobs, digest[7:]), "wb") as f:
            f.write(data)
        return digest

    layers, diff_ids = [], []
    for entry in spec:
        if isinstance(entry, dict) and "same_as" in entry:
            layers.append(layers[entry["same_as"]])
            diff_ids.append(diff_ids[entry["same_as"]])
            continue
        raw = open(base_tar, "rb").read() if entry == "base" else layer_tar(entry)
        packed = gzip.compress(raw, mtime=0)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(packed),
                       "size": len(packed)})
        diff_ids.append(sha(raw))
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": container_config,
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": put(config), "size": len(config)},
                           "layers": layers}).encode()
    index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                "digest": put(manifest), "size": len(manifest)}]}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
