"""Prompt-lookup (n-gram) speculative decoding against plain decoding (issue 23, item 3).

    .venv/bin/python bench/prompt_lookup.py

The local Qwen2.5 1.5B on 2 threads summarises a real passage (answers copy from their
passages, the case prompt lookup is made for); the prompt is read once first, so the
figures are writing speed alone. Plain runs before and after the draft run bound the noise.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "evals/realdocs/corpus"


def main() -> int:
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from ragworks.generate.local_llama import model_path
    from ragworks.settings import Settings

    path = str(model_path("qwen2.5-1.5b", Settings().model_dir))
    passage = (CORPUS / sorted(os.listdir(CORPUS))[0]).read_text(errors="replace")[:1500]
    msgs = [{"role": "system", "content": "Answer from the passage, copying its words exactly."},
            {"role": "user", "content": f"Passage:\n{passage}\n\nQuestion: Summarise what the "
                                        "passage says, in its own words, in three sentences."}]
    for label, draft in (("plain", None), ("prompt lookup (10)",
                                           LlamaPromptLookupDecoding(num_pred_tokens=10)),
                         ("plain", None)):
        llm = Llama(model_path=path, n_ctx=4096, n_threads=2, n_threads_batch=2, verbose=False,
                    seed=0, draft_model=draft)
        llm.create_chat_completion(messages=msgs, max_tokens=1, temperature=0)  # the prompt
        started, text = time.perf_counter(), ""
        for chunk in llm.create_chat_completion(messages=msgs, max_tokens=96, temperature=0,
                                                top_k=1, stream=True):
            text += chunk["choices"][0]["delta"].get("content") or ""
        took = time.perf_counter() - started
        tokens = len(llm.tokenize(text.encode(), add_bos=False))
        print(f"{label:20s} {tokens} tokens in {took:.2f} s: {tokens / took:.1f} tokens/s")
        llm.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
