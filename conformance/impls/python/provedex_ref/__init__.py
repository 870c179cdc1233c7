"""provedex_ref: an implementation of the Provedex format (spec version 1.1) written from spec/ alone.

Modules, in the order they build on each other:

- ``canonical``: strict JSON parser, value model and canonical writer (canonical-json.md);
- ``schema``: field rules read from spec/*.schema.json at run time;
- ``events``: the schema check of an event and the writer's form of an event;
- ``ed25519``: Ed25519 with the strict verification profile (signature-scheme.md);
- ``labelled``: labelled messages: rotation statements and data signatures (signature-scheme.md);
- ``toolsets``: manifests, tool digests, the toolset hash and drift (toolsets.md);
- ``ledger``: line parsing, self_hash, sealing, single-line and ledger verification, the 1.1
  content checks;
- ``findings``: the exception that carries a reason code;
- ``bugs``: deliberate, switchable mistakes for testing the conformance suite (off by default).
"""

__version__ = "0.1.0"
