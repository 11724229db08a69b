"""docs/migration.md: every argument of terraform-provider-openstack's compute
types has a row, each name given for this provider is in docs/, and the file
is what tools/migration_table.py writes (scripts/docs regenerates it)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tools"))

import migration_table  # noqa: E402


def test_every_argument_has_a_row_naming_what_is_here():
    table, problems = migration_table.rows()
    assert problems == []
    listed = {(kind, mine, name) for kind, _, mine, name, _, _ in table}
    for kind, _, mine, names in migration_table.OPENSTACK:
        for name in names.split():
            assert (kind, mine, name) in listed, (kind, mine, name)
    # a name without a counterpart here always says why
    assert all(note for *_, here, note in table if here is None)


def test_the_table_file_is_current():
    with open(os.path.join(migration_table.ROOT, "docs", "migration.md")) as f:
        assert f.read() == migration_table.render(), "stale: run scripts/docs"


def test_a_name_missing_here_is_reported(monkeypatch):
    entries = dict(migration_table.DIFFERENT)
    entries[("resource", "nova_aggregate", "zone")] = ("zone_name", "a name that does not exist")
    monkeypatch.setattr(migration_table, "DIFFERENT", entries)
    _, problems = migration_table.rows()
    assert problems == ["resource nova_aggregate: zone_name (for zone) is not in docs/"]
