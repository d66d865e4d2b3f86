"""Run untrusted parsers in a child process with a time and memory limit.

One bad file (a PDF bomb, a parser bug that loops) costs one killed process,
never a hung or crashed service.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
from multiprocessing.connection import Connection

from ragworks import errors
from ragworks.ingest.loaders import parse
from ragworks.models import ParsedDocument

_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(["ragworks.ingest.loaders", "pypdf", "docx", "selectolax.lexbor"])


def _child(conn: Connection, data: bytes, filename: str, media_type: str, mem_mb: int) -> None:
    if mem_mb > 0:
        limit = mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", parse(data, filename, media_type)))
    except errors.RagworksError as exc:
        conn.send(("err", type(exc).__name__, exc.message))
    except MemoryError:
        conn.send(("err", "BadInput", f"{filename}: parsing exceeded the memory limit"))
    except Exception as exc:  # noqa: BLE001 - a parser bug must become a clear 422
        conn.send(("err", "BadInput", f"{filename}: could not be parsed ({type(exc).__name__})"))
    finally:
        conn.close()


def parse_isolated(
    data: bytes, filename: str, media_type: str, timeout_s: float, mem_mb: int
) -> ParsedDocument:
    """Parse in a child process; raises ParseTimeout when it takes longer than timeout_s."""
    parent, child = _CTX.Pipe(duplex=False)
    proc = _CTX.Process(target=_child, args=(child, data, filename, media_type, mem_mb),
                        daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout_s):
            raise errors.ParseTimeout(
                f"{filename}: parsing took longer than {timeout_s:g} s and was stopped"
            )
        try:
            msg = parent.recv()
        except EOFError:
            raise errors.BadInput(
                f"{filename}: the parser crashed (memory limit {mem_mb} MB?)"
            ) from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if msg[0] == "ok":
        return msg[1]
    exc_type = getattr(errors, msg[1], errors.BadInput)
    raise exc_type(msg[2])
