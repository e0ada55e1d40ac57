#!/usr/bin/env python3
"""tests/check_deps.py passes a small tree that keeps the rule and fails,
naming the include, once one forbidden include is added; and the same for a
copy of this checkout's own src/, so the `dependency_rules` test is shown
to fail on the real tree as soon as the registry reaches past the store's
content interfaces again."""
import pathlib
import shutil
import subprocess
import sys
import tempfile

CHECKER = pathlib.Path(__file__).resolve().parent / "check_deps.py"
CHECKOUT = CHECKER.parent.parent

# Each file's includes keep the rule: own headers, allowed modules, the two
# store headers the registry may use, and system headers named like modules.
TREE = {
    "src/common/error.h": "#pragma once\n",
    "src/store/content.h": '#pragma once\n#include "common/error.h"\n',
    "src/store/store.h": '#pragma once\n#include "store/content.h"\n',
    "src/registry/fetch.cc": '#include "registry/fetch.h"\n#include "store/content.h"\n#include "common/error.h"\n',
    "src/registry/fetch.h": "#pragma once\n",
    "src/runtime/contain/birth.cc": '#include <net/if.h>\n#include "common/error.h"\n',
    "src/init/mini-init.c": "#include <unistd.h>\n",
}


def check(root):
    run = subprocess.run([sys.executable, str(CHECKER), "--root", str(root)], capture_output=True, text=True)
    return run.returncode, run.stdout


def expect(condition, message):
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)


def check_real_tree(root):
    shutil.copytree(CHECKOUT / "src", root / "src")
    code, out = check(root)
    expect(code == 0 and out == "", f"this checkout's src/ breaks the rule (exit {code}):\n{out}")
    # The edges the rule exists for, each added to a real file of the module.
    cases = [
        ("src/registry/download.cc", "store/layer_store.h", "module registry may not depend on store"),
        ("src/registry/resolve.cc", "engine/pull.h", "module registry may not depend on engine"),
        ("src/runtime/lifecycle.cc", "store/content.h", "module runtime may not depend on store"),
        ("src/store/content_store.cc", "registry/manifest.h", "module store may not depend on registry"),
    ]
    for name, header, why in cases:
        path = root / name
        expect(path.is_file(), f"{name} is gone; name another file of its module in {__file__}")
        original = path.read_text()
        lines = original.count("\n") + 1
        path.write_text(original + f'#include "{header}"\n')
        code, out = check(root)
        expect(code != 0, f'adding #include "{header}" to {name} passes')
        found = out.splitlines()
        expect(len(found) == 1 and found[0].startswith(f'{name}:{lines} includes "{header}", {why}'),
               f"the added include is not the one violation named:\n{out}")
        path.write_text(original)


def main():
    with tempfile.TemporaryDirectory(prefix="mini-check-deps.") as tmp:
        root = pathlib.Path(tmp)
        for name, text in TREE.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)

        code, out = check(root)
        expect(code == 0 and out == "", f"a tree that keeps the rule fails (exit {code}):\n{out}")

        # The registry may use the store's content interfaces, not the store.
        with open(root / "src/registry/fetch.cc", "a") as f:
            f.write('#include "store/store.h"\n')
        # A subdirectory belongs to its module: runtime/contain is runtime.
        with open(root / "src/runtime/contain/birth.cc", "a") as f:
            f.write('  #  include "store/content.h"  // indented, spaced\n')
        code, out = check(root)
        lines = out.splitlines()
        expect(code != 0, "forbidden includes pass")
        expect(lines == [
            'src/registry/fetch.cc:4 includes "store/store.h", module registry may not depend on store'
            " beyond store/content.h, store/digest.h",
            'src/runtime/contain/birth.cc:3 includes "store/content.h", module runtime may not depend on store',
        ], f"the violations are not named one a line:\n{out}")

        # A module the table does not know fails until it is added.
        (root / "src/registry/fetch.cc").write_text(TREE["src/registry/fetch.cc"])
        (root / "src/runtime/contain/birth.cc").write_text(TREE["src/runtime/contain/birth.cc"])
        (root / "src/gadget").mkdir()
        code, out = check(root)
        expect(code != 0 and out.startswith("src/gadget: module gadget is missing"), f"an unknown module passes:\n{out}")
        check_real_tree(pathlib.Path(tmp) / "real")
    print("check_deps.py: passes a clean tree, names each forbidden include, refuses an unknown module; "
          "passes this checkout's src/ and fails it once a forbidden include is added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
