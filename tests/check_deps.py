#!/usr/bin/env python3
"""The dependency rule between mini's modules, checked on the includes.

Every `#include "module/..."` in src/<module>/**/*.{cc,h,c} is an edge from
the including module to the included one; an edge that ALLOWED does not
list fails the check with one line per include:

    src/runtime/x.cc:3 includes "store/store.h", module runtime may not depend on store

    tests/check_deps.py [--root DIR]   DIR holds src/ (default: this checkout)

Only quoted includes count: <net/if.h> is the system's, not src/net's.
"""
import argparse
import pathlib
import re
import sys

# module -> {module it may include: None for any of its headers, or the only
# headers it may include}. A module may always include its own headers.
ALLOWED = {
    "common": {},
    "config": {"common": None},
    "store": {"common": None, "config": None},
    # The registry fetches into the store's content interfaces, nothing more.
    "registry": {"common": None, "config": None, "store": {"store/content.h", "store/digest.h"}},
    "runtime": {"common": None},
    "net": {"common": None, "config": None},
    "engine": {m: None for m in ("common", "config", "store", "registry", "runtime", "net")},
    "cli": {m: None for m in ("engine", "common", "config", "store", "registry", "runtime", "net")},
    "oci": {"runtime": None, "common": None},
    # Its one-line error when a library is missing is a mini::Error, as
    # every error of mini is.
    "lazy": {"common": None},
    "init": {},
}

SOURCES = (".cc", ".h", ".c")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"/]+)/([^"]+)"')


def violations(root):
    """One message per forbidden include (or unlisted module) under root/src."""
    src = root / "src"
    if not src.is_dir():
        return [f"{src}: no such directory (--root names the directory that holds src/)"]
    modules = sorted(p.name for p in src.iterdir() if p.is_dir())
    found = [f"src/{m}: module {m} is missing from ALLOWED in {pathlib.Path(__file__).name}; "
             f"add it with the modules it may depend on" for m in modules if m not in ALLOWED]
    for module in modules:
        allowed = ALLOWED.get(module, {})
        files = sorted(p for p in (src / module).rglob("*") if p.suffix in SOURCES and p.is_file())
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                target, rest = match.groups()
                header = f"{target}/{rest}"
                if target == module or (target not in modules and target not in ALLOWED):
                    continue  # its own header, or no module's (e.g. a generated file)
                if target in allowed and (allowed[target] is None or header in allowed[target]):
                    continue
                where = f"{path.relative_to(root)}:{number}"
                only = allowed.get(target)
                beyond = f" beyond {', '.join(sorted(only))}" if only else ""
                found.append(f'{where} includes "{header}", module {module} may not depend on {target}{beyond}')
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent,
                        help="the directory that holds src/ (default: this checkout)")
    args = parser.parse_args()
    found = violations(args.root.resolve())
    for message in found:
        print(message)
    if found:
        print(f"{len(found)} forbidden dependencies; the allowed ones are ALLOWED in {__file__}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
