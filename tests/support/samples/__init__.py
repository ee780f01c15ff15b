"""Sample files of each kind with the truth they encode, one module per kind (`leads` writes what `lead_series`
builds). Each kind's module is also a command line: `python -m tests.support.samples.<kind> --help`."""
