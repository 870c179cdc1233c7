"""Anchors through the SDK (spec/anchors.md): the configuration file the
command reads, the background anchorer against the real local servers
(a timestamp authority, Tessera, Rekor v2, versitygw with Object Lock,
anvil), a bundle of its receipts reaching ``publicly-timestamped`` under the
verifier's trust anchors, a tampered receipt refused, and a server that is
down never reaching the application nor blocking its records."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import time
import tomllib
from collections.abc import Iterator
from typing import Any, Callable

import pytest

import provedex
from provedex import events

from conftest import REPO


def wait_for(what: str, ready: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.2)


class LocalAnchors:
    """The servers `provedex-local-anchors` runs, and what it wrote for them."""

    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder
        self.config_path = folder / "provedex.toml"
        self.config = tomllib.loads(self.config_path.read_text())
        self.secrets = {}
        for line in (folder / "anchors.env").read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            self.secrets[name] = value
        self.tsa_root = (folder / "tsa-root.pem").read_text()

    def anchor(self, kind: str) -> dict[str, Any]:
        return next(a for a in self.config["anchor"] if a["type"] == kind)

    def trust(self) -> provedex.ReceiptTrust:
        """Every trust anchor of these servers, as an auditor would pin them."""
        s3 = self.anchor("s3-object-lock")
        eth = self.anchor("ethereum")
        return provedex.ReceiptTrust(
            tsa_roots=[self.tsa_root],
            log_keys=[self.anchor("tlog")["log_key"], self.anchor("rekor")["log_key"]],
            ethereum_chain_id=eth["chain_id"],
            ethereum_rpc=eth["endpoint"],
            s3=provedex.S3Access(
                endpoint=s3["endpoint"],
                access_key_id=self.secrets[s3["access_key_env"]],
                secret_access_key=self.secrets[s3["secret_key_env"]],
            ),
        )


@pytest.fixture(scope="module")
def local_anchors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAnchors]:
    """Every anchor's real server on 127.0.0.1, started by
    `provedex-local-anchors` (built by the test command; installed into
    target/tools on first use) and stopped with it."""
    binary = os.environ.get(
        "PROVEDEX_LOCAL_ANCHORS", str(REPO / "target" / "debug" / "provedex-local-anchors")
    )
    if not os.access(binary, os.X_OK):
        pytest.fail(
            f"no provedex-local-anchors at {binary}: "
            "cargo build -p provedex-test-servers --bin provedex-local-anchors"
        )
    folder = tmp_path_factory.mktemp("anchors") / "servers"
    log = open(folder.parent / "servers.log", "w+b")
    process = subprocess.Popen([binary, str(folder)], stdout=log, stderr=subprocess.STDOUT)
    try:
        def started() -> bool:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"provedex-local-anchors exited {process.returncode}:\n{log.read().decode()}")
            return (folder / "anchors.env").exists()

        wait_for("the anchor servers start", started, seconds=900)
        time.sleep(0.2)  # anchors.env is written in one call; let it finish
        yield LocalAnchors(folder)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def record(session: provedex.Session, n: int) -> None:
    d = provedex.sha256_hex(b"x")
    for i in range(n):
        session.record(events.tool_returned(tool_name=f"t{i}", result_sha256=d, latency_ms=i, success=True))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_a_forked_child_has_no_anchorer(anchorer: provedex.BackgroundAnchorer) -> None:
    """In a forked child the parent's anchorer refuses to run, and stopping
    or dropping it returns at once instead of waiting for a thread that is
    not there."""
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status only
        status = 1
        try:
            try:
                anchorer.run_now()
            except provedex.LedgerError as e:
                status = 0 if e.code == "forked" and not anchorer.running else 2
            anchorer.stop()
        finally:
            os._exit(status)
    deadline = time.monotonic() + 30
    while (done := os.waitpid(pid, os.WNOHANG)) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            pytest.fail("the forked child hung on the parent's anchorer")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(done[1]) == 0


def test_a_configuration_with_problems_lists_each(tmp_path: pathlib.Path) -> None:
    config = provedex.AnchorConfig.parse(
        'ledger = "no-such-folder/ledger.ndjson"\nkey = "missing.key"\nanchor_batch_size = 0\n\n'
        '[[anchor]]\ntype = "s3-object-lock"\nendpoint = "http://127.0.0.1:9"\nbucket = "b"\n'
        'access_key_env = "PROVEDEX_TEST_UNSET_ACCESS"\nsecret_key_env = "PROVEDEX_TEST_UNSET_SECRET"\n',
        tmp_path,
    )
    problems = config.problems()
    assert any(p.startswith("key: cannot read") for p in problems), problems
    assert any("ledger: the folder" in p for p in problems), problems
    assert "anchor_batch_size: 0 is not a batch size (1 or more)" in problems
    assert any("PROVEDEX_TEST_UNSET_ACCESS" in p for p in problems), problems
    # A secret given to the SDK counts as set, and its value is never shown.
    given = config.problems(secrets={"PROVEDEX_TEST_UNSET_ACCESS": "s3cr3t-value"})
    assert not any("PROVEDEX_TEST_UNSET_ACCESS" in p for p in given), given
    assert not any("s3cr3t-value" in p for p in given + problems)
    assert config.anchor_names == ["s3-object-lock"]
    assert config.ledger_path == str(tmp_path / "no-such-folder" / "ledger.ndjson")

    with pytest.raises(provedex.ConfigError) as refused:
        provedex.BackgroundAnchorer(config)
    assert refused.value.code == "invalid_config"
    assert "anchor_batch_size: 0" in str(refused.value)
    assert not (tmp_path / "no-such-folder").exists()


def test_a_file_that_is_no_configuration_is_refused(tmp_path: pathlib.Path) -> None:
    with pytest.raises(provedex.ConfigError) as missing:
        provedex.AnchorConfig.load(tmp_path / "provedex.toml")
    assert missing.value.code == "invalid_config" and "cannot read it" in str(missing.value)
    (tmp_path / "provedex.toml").write_text('ledger = "l"\nkey = "k"\nsurprise = 1\n')
    with pytest.raises(provedex.ConfigError, match="surprise"):
        provedex.AnchorConfig.load(tmp_path / "provedex.toml")
    with pytest.raises(provedex.ConfigError, match="not a valid configuration"):
        provedex.AnchorConfig.parse('ledger = "l"\nkey = 3\n')


def test_a_server_that_is_down_never_reaches_the_application(tmp_path: pathlib.Path) -> None:
    key = provedex.SigningKeypair.generate()
    key.save(tmp_path / "ledger.key")
    (tmp_path / "provedex.toml").write_text(
        'ledger = "ledger.ndjson"\nkey = "ledger.key"\n\n'
        f'[[anchor]]\nname = "tsa"\ntype = "rfc3161"\nendpoint = "http://127.0.0.1:{closed_port()}"\n'
    )
    session = provedex.Session.open(keypair=key, ledger_path=tmp_path / "ledger.ndjson", session_id="s-down")
    with provedex.BackgroundAnchorer(tmp_path / "provedex.toml") as anchorer:
        record(session, 3)
        outcomes = anchorer.run_now()
        assert [(o.anchor, o.outcome) for o in outcomes] == [("tsa", "failed")]
        assert outcomes[0].error and outcomes[0].next_attempt_nanos
        # Records go on while the anchor fails, and all of them verify.
        record(session, 200)
        [status] = anchorer.status()
        assert (status.name, status.kind, status.pending, status.last_tree_size) == ("tsa", "rfc3161", 203, None)
        assert status.failures >= 1 and status.last_error and status.next_attempt_nanos
        assert anchorer.pass_error is None
        assert_a_forked_child_has_no_anchorer(anchorer)
        assert anchorer.running
    assert not anchorer.running
    session.close()
    assert provedex.verify_file(tmp_path / "ledger.ndjson", pubkey=key.pubkey_hex).ok
    assert not (tmp_path / "ledger.ndjson.receipts").exists()


def test_the_background_anchorer_reaches_publicly_timestamped(
    local_anchors: LocalAnchors, tmp_path: pathlib.Path
) -> None:
    servers = local_anchors
    key = provedex.SigningKeypair.generate()
    key.save(servers.folder / "ledger.key")
    config = provedex.AnchorConfig.load(servers.config_path)
    assert config.problems(secrets=servers.secrets) == []
    assert config.anchor_names == ["tsa", "tlog", "rekor", "worm", "chain"]

    session = provedex.Session.open(keypair=key, ledger_path=config.ledger_path, session_id="s-anchored")
    record(session, 3)
    anchorer = provedex.BackgroundAnchorer(config, secrets=servers.secrets)
    try:
        # Anchors with neither schedule nor batch size anchor at every pass.
        wait_for(
            "the background pass anchors the 3 lines everywhere",
            lambda: all(s.last_tree_size == 3 for s in anchorer.status()),
        )
        assert anchorer.running and anchorer.passes >= 1 and anchorer.pass_error is None
        record(session, 2)
        outcomes = anchorer.run_now()
        assert {(o.outcome, o.tree_size) for o in outcomes} == {("anchored", 5)}, outcomes
        assert [o.anchor for o in outcomes] == config.anchor_names
        assert all(s.pending == 0 and s.failures == 0 for s in anchorer.status())
    finally:
        anchorer.stop()
    assert not anchorer.running
    session.close()

    bundle = provedex.export_bundle(config.ledger_path, anchored=True, first_seq=1, last_seq=3)
    receipts = json.loads(bundle)["receipts"]
    assert sorted(r["type"] for r in receipts) == ["ethereum", "rekor", "rfc3161", "s3-object-lock", "tlog"]

    report = provedex.verify_bundle(bundle, pubkey=key.pubkey_hex, receipts=servers.trust())
    assert report.ok, report.message
    assert report.proof_level == "publicly-timestamped"
    assert all(level.reached for level in report.levels), report.levels
    verdicts = [(e.kind, e.verdict) for e in report.evidence if e.kind == "receipt"]
    assert verdicts == [("receipt", "verified")] * 5, report.evidence

    # Without the verifier's trust anchors no receipt counts: the chain alone.
    unpinned_receipts = provedex.verify_bundle(bundle, pubkey=key.pubkey_hex)
    assert unpinned_receipts.ok and unpinned_receipts.proof_level == "verifiable"

    # Only the WORM store's receipt checked: externally archived, not more.
    s3_only = provedex.ReceiptTrust(s3=servers.trust().s3)
    archived = provedex.verify_bundle(bundle, pubkey=key.pubkey_hex, receipts=s3_only)
    assert archived.ok and archived.proof_level == "externally-archived", archived.levels

    # A receipt whose token was altered is a finding, not a lower level.
    document = json.loads(bundle)
    tsa = next(r for r in document["receipts"] if r["type"] == "rfc3161")
    token = tsa["token"]
    tsa["token"] = token[:-8] + ("A" if token[-8] != "A" else "B") + token[-7:]
    tampered = provedex.verify_bundle(json.dumps(document).encode(), pubkey=key.pubkey_hex, receipts=servers.trust())
    assert not tampered.ok and tampered.reason == "receipt_invalid", tampered.message


def test_receipt_trust_that_cannot_be_read_is_a_key_error() -> None:
    with pytest.raises(provedex.KeyLoadError, match="tsa_roots_pem"):
        provedex.verify_bundle(b"{}", receipts=provedex.ReceiptTrust(tsa_roots=["not a certificate"]))
    with pytest.raises(provedex.KeyLoadError, match="verifier key"):
        provedex.verify_bundle(b"{}", receipts=provedex.ReceiptTrust(log_keys=["log+nothex+zz"]))
    with pytest.raises(provedex.KeyLoadError, match="ethereum_chain_id"):
        provedex.verify_bundle(b"{}", receipts=provedex.ReceiptTrust(ethereum_rpc="http://127.0.0.1:9"))
    with pytest.raises(TypeError, match="ReceiptTrust"):
        provedex.verify_bundle(b"{}", receipts={"log_keys": []})  # type: ignore[arg-type]
