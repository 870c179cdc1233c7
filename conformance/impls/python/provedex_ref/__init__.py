"""provedex_ref: an implementation of the Provedex v1 format written from spec/ alone.

Modules, in the order they build on each other:

- ``canonical``: strict JSON parser, value model and canonical writer (canonical-json.md);
- ``schema``: field rules read from spec/*.schema.json at run time;
- ``events``: the schema check of an event and the writer's form of an event;
- ``ed25519``: Ed25519 with the strict verification profile (signature-scheme.md);
- ``ledger``: line parsing, self_hash, sealing, single-line and ledger verification;
- ``findings``: the exception that carries a reason code;
- ``bugs``: deliberate, switchable mistakes for testing the conformance suite (off by default).
"""

__version__ = "0.1.0"
