"""Helpers shared by the tests that use the examples under examples/."""
import glob
import os
import shutil

from conftest import ROOT

# IDs in the examples that only exist on the example's cloud: the local
# cloud's own stand in for them
EXAMPLE_PROJECT = "0db92f705dac4ccc97c53e518feba021"
EXAMPLE_VOLUME = "1b4500e5-40bb-4088-a475-2a1b86966747"
EXAMPLE_HYPERVISOR = "compute-1.example.com"


def write_example_inputs(dest):
    """The files the examples read."""
    open(os.path.join(dest, "cloud-init.yaml"), "w").write("#cloud-config\n")
    open(os.path.join(dest, "id_ed25519.pub"), "w").write("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U x\n")


def copy_examples(dest, pattern):
    for i, f in enumerate(sorted(glob.glob(os.path.join(ROOT, "examples", pattern)))):
        shutil.copy(f, os.path.join(dest, f"{i:02d}-{os.path.basename(os.path.dirname(f))}.tf"))
    write_example_inputs(dest)
