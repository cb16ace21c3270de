"""The claims and the erasure on PostgreSQL (``make run-cluster``'s database), as on SQLite."""

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Iterator, List

import pytest
import sqlalchemy as sa

from backcare.checkins import Checkin, CheckinStore
from scripts.postgres_server import start_postgres
from tests.servers import free_port

# e2e: the module's fixture starts a real PostgreSQL.
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not (shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))),
    reason="PostgreSQL is not installed (apt-get install -y postgresql)",
)]
NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    # Under /tmp, not pytest's tmp_path: PostgreSQL runs as its own user, who must reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="backcare-checkins-pg-"))
    folder.chmod(0o711)
    server = start_postgres(folder / "pg", free_port())
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_two_claimers_racing_on_postgresql_share_no_row(url: str) -> None:
    setup = CheckinStore(url, 86400)
    for chat in range(20):
        setup.schedule_heat_check(f"telegram:race-{chat}", 0, now=NOW)
    won: List[List[Checkin]] = [[], []]
    barrier = threading.Barrier(2)

    def claim(index: int) -> None:
        mine = CheckinStore(url, 86400)
        mine.engine  # noqa: B018 - connect before the race starts
        barrier.wait()
        won[index].extend(mine.claim_due("telegram:race-", now=NOW + 5, claimer=str(index)))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [c.id for claims in won for c in claims]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_forget_leaves_no_row_of_the_sender_on_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    events = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("sender_id", sa.String(255)), sa.Column("timestamp", sa.Float))
    events.create(engine, checkfirst=True)
    with engine.begin() as connection:
        connection.execute(sa.insert(events), [{"sender_id": "telegram:gone", "timestamp": NOW},
                                               {"sender_id": "telegram:kept", "timestamp": NOW}])
    checkins = CheckinStore(url, 86400)
    checkins.schedule_heat_check("telegram:gone", 0, now=NOW)
    checkins.request_forget("telegram:gone", now=NOW + 1)
    [request] = checkins.claim_due(sender_id="telegram:gone", now=NOW + 1)
    checkins.erase(request.sender_id)
    checkins.forget_done(request)
    with engine.connect() as connection:
        def count(table: str, sender: str) -> int:
            query = sa.text(f"SELECT COUNT(*) FROM {table} WHERE sender_id = :sender")
            return int(connection.execute(query, {"sender": sender}).scalar())

        assert count("events", "telegram:gone") == 0 and count("backcare_checkins", "telegram:gone") == 0
        assert count("events", "telegram:kept") == 1
