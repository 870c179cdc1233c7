"""A session's life: closing it (and ``with``), what a fork does to it,
recovering a torn ledger, its session_id, and paths that are not UTF-8."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import re
from typing import Any, Optional

import pytest

import provedex
from provedex import events


def _ended(reason: str) -> dict[str, Any]:
    return events.session_ended(reason=reason, summary_sha256="")


# --- close and with ---------------------------------------------------------


def test_a_with_block_releases_the_lock_on_exit(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s") as session:
        assert isinstance(session, provedex.Session)
        session.record(_ended("first"))
        with pytest.raises(provedex.LedgerError) as locked:
            provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
        assert locked.value.code == "locked"
    # No garbage collection needed: the block's end released the lock, and the object is still referenced.
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s") as again:
        assert again.record(_ended("second")).seq == 1
    assert session is not None
    assert provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex).event_count == 2


def test_a_with_block_closes_when_its_body_raises(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    with pytest.raises(RuntimeError):
        with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s") as session:
            raise RuntimeError("the application failed")
    provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s").close()
    assert session is not None


def test_records_after_close_fail_as_closed(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
    session.record(_ended("kept"))
    session.close()
    session.close()  # harmless
    with pytest.raises(provedex.LedgerError, match="closed") as closed:
        session.record(_ended("refused"))
    assert closed.value.code == "closed"
    assert session.session_id == "s", "the object stays usable for what does not record"
    assert provedex.verify_file(ledger).event_count == 1


# --- fork ------------------------------------------------------------------


def _in_child(work) -> dict[str, Any]:
    """Runs ``work`` in a forked child and returns what it reported (JSON through a pipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 0
        try:
            os.close(read_end)
            os.write(write_end, json.dumps(work()).encode())
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"the child failed ({status})"
    result: dict[str, Any] = json.loads(data)
    return result


def _outcome(call) -> dict[str, Any]:
    try:
        call()
    except provedex.ProvedexError as e:
        return {"raised": type(e).__name__, "code": e.code, "message": str(e)}
    except BaseException as e:  # reported, so the test shows it
        return {"raised": type(e).__name__, "code": None, "message": str(e)}
    return {"raised": None}


def test_a_forked_child_cannot_record_with_the_parents_session(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
    session.record(_ended("before the fork"))

    def child() -> dict[str, Any]:
        record = _outcome(lambda: session.record(_ended("in the child")))
        # close() does nothing in the child: the lock stays the parent's.
        close = _outcome(session.close)
        reopen = _outcome(lambda: provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="c"))
        return {"record": record, "close": close, "reopen": reopen}

    seen = _in_child(child)
    assert seen["record"]["raised"] == "LedgerError"
    assert seen["record"]["code"] == "forked"
    assert re.search(r"\bopen\b.*\bsession\b.*\bprocess\b", seen["record"]["message"]), "it says what to do instead"
    assert seen["close"] == {"raised": None}
    assert (seen["reopen"]["raised"], seen["reopen"]["code"]) == ("LedgerError", "locked")

    for i in range(3):
        assert session.record(_ended(f"parent {i}")).seq == 1 + i
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex)
    assert (report.ok, report.event_count) == (True, 4), report.message


def test_a_child_opens_its_own_session_once_the_parent_closed(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
    session.record(_ended("parent"))
    session.close()

    def child() -> dict[str, Any]:
        with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="child") as own:
            return {"seq": own.record(_ended("child")).seq}

    assert _in_child(child) == {"seq": 1}
    assert provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex).event_count == 2


#: The session a fork-started pool's workers inherit (set by the test below).
_INHERITED: Optional[provedex.Session] = None


def _record_in_worker(i: int) -> int:
    assert _INHERITED is not None
    return _INHERITED.record(_ended(f"worker {i}")).seq


def test_a_fork_pool_worker_using_an_inherited_session_raises_forked(tmp_path, seed_key):
    global _INHERITED
    ledger = tmp_path / "ledger.ndjson"
    _INHERITED = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
    try:
        _INHERITED.record(_ended("parent"))
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pending = [pool.apply_async(_record_in_worker, (i,)) for i in range(6)]
            for result in pending:
                with pytest.raises(provedex.LedgerError) as forked:
                    result.get(timeout=60)
                assert forked.value.code == "forked", "the code survives the trip back from the worker"
        assert _INHERITED.record(_ended("parent again")).seq == 1
    finally:
        _INHERITED.close()
        _INHERITED = None
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex)
    assert (report.ok, report.event_count) == (True, 2), report.message


def test_what_crosses_processes_pickles_and_what_does_not_says_why(seed_key):
    error = pickle.loads(pickle.dumps(provedex.LedgerError("the message", "forked")))
    assert (type(error), str(error), error.code) == (provedex.LedgerError, "the message", "forked")
    signed = provedex.sign_event(
        event=_ended("x"), seq=0, parent_hash=provedex.GENESIS_PARENT_HASH, keypair=seed_key, timestamp_nanos=1
    )
    assert pickle.loads(pickle.dumps(signed)) == signed
    with pytest.raises(TypeError, match="load the key file in each process"):
        pickle.dumps(seed_key)


def test_a_session_does_not_pickle(tmp_path, seed_key):
    with provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "l", session_id="s") as session:
        with pytest.raises(TypeError, match="open one in each process"):
            pickle.dumps(session)


# --- recover ----------------------------------------------------------------


def test_recover_removes_a_torn_tail_and_says_what_it_did(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s") as session:
        session.record(_ended("one"))
        last = session.record(_ended("two"))
    nothing = provedex.recover(ledger)
    assert isinstance(nothing, provedex.NothingToRecover)
    assert (nothing.report.ok, nothing.report.event_count) == (True, 2)

    good = ledger.stat().st_size
    with open(ledger, "ab") as f:
        f.write(b'{"seq":2,"timesta')
    with pytest.raises(provedex.LedgerError, match=r"provedex\.recover") as torn:
        provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
    assert torn.value.code == "torn_tail"

    outcome = provedex.recover(str(ledger))
    assert isinstance(outcome, provedex.Truncated)
    assert (outcome.offset, outcome.removed_bytes) == (good, 17)
    assert outcome.backup == str(tmp_path / f"ledger.ndjson.torn-{good}")
    with open(outcome.backup, "rb") as f:
        assert f.read() == b'{"seq":2,"timesta'
    assert (outcome.report.ok, outcome.report.root_hash) == (True, last.self_hash)
    assert ledger.stat().st_size == good
    match outcome:
        case provedex.Truncated(offset=offset, report=report):
            assert offset == good and report.ok
        case _:
            pytest.fail("a Truncated outcome matches its class pattern")
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s") as session:
        assert session.record(_ended("three")).seq == 2


def test_recover_refuses_other_damage_and_a_held_ledger(tmp_path, seed_key, one_of_each):
    ledger = tmp_path / "ledger.ndjson"
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s") as session:
        for event in one_of_each:
            session.record(event)
        with pytest.raises(provedex.LedgerError) as held:
            provedex.recover(ledger)
        assert held.value.code == "locked"
    edited = ledger.read_text().replace('"prompt_tokens":412', '"prompt_tokens":413')
    ledger.write_text(edited)
    with pytest.raises(provedex.LedgerError) as broken:
        provedex.recover(ledger)
    assert broken.value.code == "broken"
    assert ledger.read_text() == edited, "nothing changed"
    with pytest.raises(provedex.LedgerError) as missing:
        provedex.recover(tmp_path / "absent.ndjson")
    assert missing.value.code == "io"


# --- session_id ---------------------------------------------------------------


def test_session_id_is_the_applications_metadata_not_the_ledgers(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="support-42") as session:
        assert session.session_id == "support-42"
        with pytest.raises(AttributeError):
            session.session_id = "other"  # type: ignore[misc]
    assert ledger.read_bytes() == b"", "open writes nothing with it"
    # Another session_id on the same ledger resumes the same chain: it does not locate the ledger.
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="a") as a:
        a.record(events.session_started(agent_id="agent", model_id="m", session_id=a.session_id))
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="b") as b:
        assert b.record(_ended("done")).seq == 1
    assert '"session_id":"a"' in ledger.read_text(), "v1 keeps it inside the events the application records"


# --- paths ---------------------------------------------------------------


def test_any_file_name_works_as_str_bytes_or_pathlike(tmp_path, seed_key):
    directory = os.fsencode(tmp_path)
    ledger = directory + b"/ledger-\xff\xfe.ndjson"  # not UTF-8
    key_path = directory + b"/key-\x80"
    key = provedex.SigningKeypair.load_or_create(key_path)
    assert provedex.SigningKeypair.load(os.fsdecode(key_path)).pubkey_hex == key.pubkey_hex
    with provedex.Session.open(keypair=key, ledger_path=ledger, session_id="s") as session:
        session.record(_ended("x"))
        assert session.ledger_path == os.fsdecode(ledger)
        assert os.fsencode(session.ledger_path) == ledger
    assert os.path.exists(ledger)
    assert provedex.verify_file(ledger).ok
    assert provedex.verify_file(os.fsdecode(ledger)).ok, "the str os.fsdecode gives names the same file"
    assert isinstance(provedex.recover(ledger), provedex.NothingToRecover)
    key.save(directory + b"/copy-\xfe.key")


def test_a_path_without_a_file_system_form_is_the_operations_error(tmp_path, seed_key):
    with pytest.raises(provedex.LedgerError) as ledger_error:
        provedex.Session.open(keypair=seed_key, ledger_path=str(tmp_path / "\ud800"), session_id="s")
    assert ledger_error.value.code == "io"
    for call in (
        lambda: provedex.verify_file("\ud800"),
        lambda: provedex.recover("\ud800"),
    ):
        with pytest.raises(provedex.LedgerError):
            call()
    for call in (
        lambda: provedex.SigningKeypair.load("\ud800"),
        lambda: provedex.SigningKeypair.load_or_create(tmp_path / "\ud800"),
        lambda: seed_key.save("\ud800"),
    ):
        with pytest.raises(provedex.KeyLoadError):
            call()
