#!/usr/bin/env python3
"""Fails if the mini binary loads at exec a library it should load on first use.

    check_lazy_needed.py MINI SONAME...

SONAME... are the libraries of src/lazy/symbols.txt (src/lazy/lazy.cmake
passes them). One of them in `readelf -d MINI`'s NEEDED means mini calls a
function of it that has no shim: the line printed names the functions.
"""
import re
import subprocess
import sys


def run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def dynamic_symbols(path, which):
    """The names of path's defined or undefined dynamic symbols."""
    names = set()
    for line in run("nm", "-D", f"--{which}-only", path).splitlines():
        fields = line.split()
        if fields:
            names.add(fields[-1].split("@")[0])
    return names


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, lazy = sys.argv[1], sys.argv[2:]
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", binary))
    eager = [soname for soname in lazy if soname in needed]
    if not eager:
        print(f"{binary} loads none of {', '.join(lazy)} at exec")
        return 0
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", run("ldd", binary), re.M))
    undefined = dynamic_symbols(binary, "undefined")
    for soname in eager:
        calls = sorted(undefined & dynamic_symbols(paths[soname], "defined")) if soname in paths else []
        print(f"{binary} needs {soname} at exec: add {', '.join(calls) or 'the functions it calls there'} "
              f"to src/lazy/symbols.txt")
    return 1


if __name__ == "__main__":
    sys.exit(main())
