#!/usr/bin/env python3
"""check_lazy_needed.py's own test: it must fail on a binary that loads a
lazy library at exec, naming the library and a function to add, and pass
on one that loads none of them.

    check_lazy_needed_self_test.py EAGER_BINARY LAZY_BINARY SONAME...

EAGER_BINARY links the first SONAME directly (a unit-test executable
does); LAZY_BINARY is mini.
"""
import pathlib
import subprocess
import sys

CHECK = pathlib.Path(__file__).resolve().parent / "check_lazy_needed.py"


def check(binary, sonames):
    return subprocess.run([sys.executable, str(CHECK), binary, *sonames], capture_output=True, text=True)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    eager, lazy, sonames = sys.argv[1], sys.argv[2], sys.argv[3:]
    failures = []
    caught = check(eager, sonames)
    if caught.returncode != 1 or f"needs {sonames[0]} at exec: add " not in caught.stdout:
        failures.append(f"{eager} links {sonames[0]} at exec, but the check said (exit {caught.returncode}):\n"
                        f"{caught.stdout}{caught.stderr}")
    elif "the functions it calls there" in caught.stdout.split(sonames[0], 1)[1].splitlines()[0]:
        failures.append(f"the check did not name the functions {eager} calls in {sonames[0]}:\n{caught.stdout}")
    passed = check(lazy, sonames)
    if passed.returncode != 0:
        failures.append(f"{lazy} was refused (exit {passed.returncode}):\n{passed.stdout}{passed.stderr}")
    for failure in failures:
        print(failure)
    if not failures:
        print(f"the check fails on {eager} and passes {lazy}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
