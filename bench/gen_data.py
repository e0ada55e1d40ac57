#!/usr/bin/python3
"""Writes a deterministic tree of mixed data: what the third layer of the
benchmark image holds.

    gen_data.py DIR TOTAL_MIB FILES

About a third of the bytes are incompressible (like media or compressed
archives), the rest compressible text and binary-ish records, spread over
FILES files: many small ones, some medium, a few large, in nested
directories, plus some symlinks and hard links.
"""
import os
import random
import sys


def make_corpus(rng):
    words = ["container", "layer", "overlay", "registry", "manifest", "digest", "runtime", "namespace",
             "cgroup", "mount", "rootfs", "bundle", "config", "process", "signal", "seccomp", "image",
             "blob", "index", "platform", "snapshot", "whiteout", "opaque", "bridge", "network"]
    lines = []
    for _ in range(12000):
        lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + f" {rng.randint(0, 1 << 30)}\n")
    return "".join(lines).encode()


def text_block(rng, corpus, size):
    # Slices of a word corpus: compresses like text (about 3-4x).
    out = bytearray()
    while len(out) < size:
        start = rng.randrange(0, len(corpus) - 4096)
        out += corpus[start:start + rng.randint(512, 4096)]
    return bytes(out[:size])


def records_block(rng, size):
    # Binary but compressible: fixed-width records with small varying fields.
    out = bytearray()
    base = rng.randbytes(48)
    n = 0
    while len(out) < size:
        out += n.to_bytes(8, "little") + base + rng.randbytes(8)
        n += 1
    return bytes(out[:size])


def main():
    root, total_mib, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(20250101)
    corpus = make_corpus(rng)
    total = total_mib << 20
    # Sizes: 3 large files take 30% of the bytes, 5% of the files are
    # medium and share 40%, the rest are small and share the remaining 30%.
    large = [int(total * 0.10)] * 3
    n_medium = max(files // 20, 1)
    n_small = files - n_medium - len(large)
    medium = [int(total * 0.40 / n_medium)] * n_medium
    small_total = total - sum(large) - sum(medium)
    small = [max(1, int(rng.expovariate(n_small / small_total))) for _ in range(n_small)]
    scale = small_total / sum(small)
    small = [max(1, int(s * scale)) for s in small]
    sizes = large + medium + small
    rng.shuffle(sizes)
    dirs = [""]
    paths = []
    for i, size in enumerate(sizes):
        if i % 25 == 0:
            parent = rng.choice(dirs)
            d = os.path.join(parent, f"d{len(dirs):04d}")
            os.makedirs(os.path.join(root, d), exist_ok=True)
            dirs.append(d)
        d = dirs[-1] if rng.random() < 0.7 else rng.choice(dirs)
        kind = rng.random()
        path = os.path.join(root, d, f"f{i:05d}" + (".bin" if kind < 0.33 else ".txt" if kind < 0.75 else ".dat"))
        with open(path, "wb") as f:
            left = size
            while left > 0:
                chunk = min(left, 1 << 20)
                if kind < 0.33:
                    f.write(rng.randbytes(chunk))
                elif kind < 0.75:
                    f.write(text_block(rng, corpus, chunk))
                else:
                    f.write(records_block(rng, chunk))
                left -= chunk
        os.chmod(path, rng.choice([0o644, 0o600, 0o755, 0o444]))
        paths.append(path)
    for i in range(0, len(paths), 97):
        os.symlink(os.path.basename(paths[i]), paths[i] + ".link")
    for i in range(13, len(paths), 211):
        os.link(paths[i], paths[i] + ".hard")


if __name__ == "__main__":
    main()
