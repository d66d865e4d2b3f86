"""One peer framework's in-memory retrieval, driven by bench/peers/run.py.

Runs inside the peer's own virtualenv (``.venv-peers/NAME``), imports nothing from
ragworks, and speaks JSON lines on stdin/stdout:

    python bench/peers/peer.py NAME DUMP_DIR N [QUERIES]
    -> {"ready": true, "build_s": ..., "rss_mb": ..., "rss_before_mb": ...}
    <- {"round": R}            (the orchestrator, whenever it is this peer's turn)
    -> {"round": R, "ms": [per-query milliseconds], "ranked": [[source, ...], ...]}
    <- {"stop": true}

The store holds the first N chunks of the dump (the dump's chunks repeated with jittered
vectors past its size); every query is answered from its precomputed vector, so all
systems see the same vectors and no embedding time is counted.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(dump: Path, n: int) -> tuple[list[dict[str, Any]], np.ndarray, list[dict[str, Any]],
                                      np.ndarray]:
    chunks = [json.loads(line) for line in (dump / "chunks.jsonl").read_text().splitlines()]
    vectors = np.load(dump / "chunk_vectors.npy")
    queries = [json.loads(line) for line in (dump / "queries.jsonl").read_text().splitlines()]
    qvecs = np.load(dump / "query_vectors.npy")
    if n > len(chunks):  # repeat with jittered vectors: a larger store, the same answers
        rng = np.random.default_rng(3)
        extra_c, extra_v = [], []
        for i in range(n - len(chunks)):
            base = i % len(chunks)
            extra_c.append({**chunks[base], "id": f"{chunks[base]['id']}~{i}"})
            v = vectors[base] + rng.normal(0, 0.08, vectors.shape[1]).astype(np.float32)
            extra_v.append(v / np.linalg.norm(v))
        chunks += extra_c
        vectors = np.vstack([vectors, np.asarray(extra_v, dtype=np.float32)])
    return chunks[:n], vectors[:n], queries, qvecs


class LlamaIndex:
    def __init__(self, chunks: list[dict[str, Any]], vectors: np.ndarray) -> None:
        from llama_index.core.schema import TextNode
        from llama_index.core.vector_stores import SimpleVectorStore

        self.store = SimpleVectorStore()
        self.store.add([TextNode(id_=c["id"], text=c["text"], embedding=v.tolist(),
                                 metadata={"source": c["source"]})
                        for c, v in zip(chunks, vectors, strict=True)])
        self.source = {c["id"]: c["source"] for c in chunks}

    def search(self, query: str, vector: np.ndarray, k: int) -> list[str]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        found = self.store.query(VectorStoreQuery(query_embedding=vector.tolist(),
                                                  similarity_top_k=k))
        return [self.source[i] for i in found.ids or []]


class LangChain:
    def __init__(self, chunks: list[dict[str, Any]], vectors: np.ndarray) -> None:
        from langchain_core.documents import Document
        from langchain_core.embeddings import Embeddings
        from langchain_core.vectorstores import InMemoryVectorStore

        by_text: dict[str, list[float]] = {}

        class Given(Embeddings):  # the vectors ragworks computed, looked up by text
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return [by_text[t] for t in texts]

            def embed_query(self, text: str) -> list[float]:
                raise NotImplementedError("queries come with their vectors")

        self.store = InMemoryVectorStore(embedding=Given())
        docs = []
        for c, v in zip(chunks, vectors, strict=True):
            text = f"{c['id']}\n{c['text']}"  # unique per chunk: repeated texts stay apart
            by_text[text] = v.tolist()
            docs.append(Document(id=c["id"], page_content=text,
                                 metadata={"source": c["source"]}))
        self.store.add_documents(docs)

    def search(self, query: str, vector: np.ndarray, k: int) -> list[str]:
        found = self.store.similarity_search_by_vector(vector.tolist(), k=k)
        return [d.metadata["source"] for d in found]


class Haystack:
    def __init__(self, chunks: list[dict[str, Any]], vectors: np.ndarray) -> None:
        from haystack import Document
        from haystack.document_stores.in_memory import InMemoryDocumentStore

        self.store = InMemoryDocumentStore(embedding_similarity_function="cosine")
        self.store.write_documents([Document(id=c["id"], content=c["text"],
                                             embedding=v.tolist(),
                                             meta={"source": c["source"]})
                                    for c, v in zip(chunks, vectors, strict=True)])

    def search(self, query: str, vector: np.ndarray, k: int) -> list[str]:
        found = self.store.embedding_retrieval(query_embedding=vector.tolist(), top_k=k)
        return [d.meta["source"] for d in found]


class Ragworks:
    """The embedded index and hybrid retrieval (BM25 + dense, fused), as the service runs
    it; runs in ragworks' own virtualenv."""

    def __init__(self, chunks: list[dict[str, Any]], vectors: np.ndarray) -> None:
        import tempfile

        from ragworks.index.local import LocalChunkIndex
        from ragworks.models import Chunk
        from ragworks.retrieve.retriever import HybridRetriever

        self._tmp = tempfile.TemporaryDirectory()
        index = LocalChunkIndex(self._tmp.name, dim=vectors.shape[1])
        for at in range(0, len(chunks), 5000):
            index.add([Chunk(id=c["id"], doc_id=c["source"], tenant="t", collection="c",
                             source=c["source"], title=c["title"], section=c["section"],
                             text=c["text"], start=0, end=len(c["text"]), ordinal=i)
                       for i, c in enumerate(chunks[at:at + 5000], at)],
                      vectors[at:at + 5000])
        given = self.given = _Given(vectors.shape[1])
        self.retriever = HybridRetriever(index, given)  # type: ignore[arg-type]

    def search(self, query: str, vector: np.ndarray, k: int) -> list[str]:
        from ragworks.models import Scope

        self.given.vector = vector
        return [h.chunk.source for h in self.retriever.search(query, Scope(tenant="t"), k)][:k]


class _Given:
    """An embedder that answers with the query's precomputed vector."""

    name = "given"

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.vector = np.zeros(dim, dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray([self.vector] * len(texts), dtype=np.float32)


PEERS = {"ragworks": Ragworks, "llamaindex": LlamaIndex, "langchain": LangChain,
         "haystack": Haystack}


#: what each system imports, loaded before memory is measured (the store's memory is
#: what building it adds, not the library's code)
MODULES = {"ragworks": ["ragworks.index.local", "ragworks.retrieve.retriever"],
           "llamaindex": ["llama_index.core.schema", "llama_index.core.vector_stores"],
           "langchain": ["langchain_core.vectorstores", "langchain_core.embeddings"],
           "haystack": ["haystack", "haystack.document_stores.in_memory"]}


def main() -> None:
    import importlib

    name, dump, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    queries_max = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    for module in MODULES[name]:
        importlib.import_module(module)
    chunks, vectors, queries, qvecs = load(dump, n)
    if queries_max:
        queries, qvecs = queries[:queries_max], qvecs[:queries_max]
    before = rss_mb()
    t0 = time.perf_counter()
    peer = PEERS[name](chunks, vectors)
    build_s = time.perf_counter() - t0
    del chunks, vectors
    print(json.dumps({"ready": True, "build_s": round(build_s, 3), "rss_mb": round(rss_mb()),
                      "rss_before_mb": round(before)}), flush=True)
    for line in sys.stdin:
        msg = json.loads(line)
        if msg.get("stop"):
            break
        ms, ranked = [], []
        for q, v in zip(queries, qvecs, strict=True):
            t = time.perf_counter()
            got = peer.search(q["question"], v, 10)
            ms.append((time.perf_counter() - t) * 1000)
            ranked.append(got)
        print(json.dumps({"round": msg["round"], "ms": ms, "ranked": ranked}), flush=True)


if __name__ == "__main__":
    main()
