"""Experiments: create, start, stop, assign, results, promote.

An experiment has variants (named sets of pipeline overrides, with traffic
weights; the first is the control), a primary metric and guardrails:

    {"name": "fusion-0.5", "primary_metric": "thumbs_up",
     "variants": [{"name": "control", "weight": 1, "overrides": {}},
                  {"name": "w05", "weight": 1, "overrides": {"dense_weight": 0.5}}],
     "guardrails": {"p95_latency_ms": 2000, "cost_per_answer": 0.01}}

Primary metrics: ``thumbs_up`` (rate of positive feedback), ``score:<name>``
(mean of a score such as groundedness), ``latency`` (mean, lower is better).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ragworks.errors import BadInput, Conflict, NotFound
from ragworks.experiments import stats
from ragworks.experiments.assign import assign
from ragworks.experiments.store import ExperimentStore
from ragworks.generate.prompts import prompt_versions
from ragworks.ingest.chunker import PROFILES


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "on", "yes"):
        return True
    if str(value).lower() in ("false", "0", "off", "no"):
        return False
    raise ValueError(value)


_bool.__name__ = "boolean"
OVERRIDES: dict[str, Any] = {
    "dense_weight": float, "top_k": int, "min_relevance": float, "llm": str,
    "min_confidence": float, "classifier": str, "prompt_version": str, "rerank": _bool,
    "chunking_profile": str, "llm_focus": _bool, "llm_context_words": int,
    "llm_prompt_words": int}
#: classifiers a variant may name: the one that ships, or the one `ragworks classifier
#: train` wrote into the data folder. Never a path: the API must not name server files.
CLASSIFIERS = ("shipped", "trained")


_LLM = re.compile(r"extractive|scripted|local:(smollm2|qwen2\.5-0\.5b|qwen2\.5-1\.5b)"
                  r"|openai:[\w.:/-]{1,100}")


def check_overrides(overrides: dict[str, Any],
                    built: Callable[[], Iterable[str]] | None = None) -> dict[str, Any]:
    """Typed overrides, or BadInput saying what is wrong; ``built`` lists the chunking
    profiles whose index exists."""
    out = {}
    for key, value in overrides.items():
        kind = OVERRIDES.get(key)
        if kind is None:
            raise BadInput(f"unknown override {key!r} (known: {', '.join(OVERRIDES)})")
        try:
            out[key] = kind(value)
        except (TypeError, ValueError):
            raise BadInput(f"override {key!r} must be a {kind.__name__}") from None
    _check_values(out)
    if "classifier" in out and out["classifier"] not in CLASSIFIERS:
        raise BadInput(f"classifier must be one of {', '.join(CLASSIFIERS)} (a trained one "
                       "comes from `ragworks classifier train`)")
    if "prompt_version" in out and out["prompt_version"] not in prompt_versions():
        raise BadInput(f"prompt_version {out['prompt_version']!r} does not exist "
                       f"(known: {', '.join(prompt_versions())})")
    if "chunking_profile" in out and out["chunking_profile"] != "default":
        if out["chunking_profile"] not in PROFILES:
            raise BadInput(f"chunking_profile {out['chunking_profile']!r} does not exist "
                           f"(known: default, {', '.join(PROFILES)})")
        if built is not None and out["chunking_profile"] not in built():
            raise BadInput(f"chunking_profile {out['chunking_profile']!r} is not built yet: "
                           f"run `ragworks reindex --profile {out['chunking_profile']}`")
    return out


def _check_values(out: dict[str, Any]) -> None:
    """Only values the service offers: a known answerer, fractions in 0..1, a sane k."""
    if "llm" in out and not _LLM.fullmatch(out["llm"]):
        raise BadInput(f"llm {out['llm']!r} is not an answerer this service offers "
                       "(extractive, scripted, local:smollm2, local:qwen2.5-0.5b, "
                       "local:qwen2.5-1.5b, openai:MODEL)")
    for name in ("dense_weight", "min_relevance", "min_confidence"):
        if not 0 <= out.get(name, 0.5) <= 1:
            raise BadInput(f"{name} must be between 0 and 1")
    if not 1 <= out.get("top_k", 5) <= 50:
        raise BadInput("top_k must be between 1 and 50")


class ExperimentService:
    def __init__(self, store: ExperimentStore, alpha: float = 0.05, min_samples: int = 200,
                 mde: float = 0.05, built_profiles: Callable[[], Iterable[str]] | None = None,
                 ) -> None:
        self.store, self.alpha, self.min_samples, self.mde = store, alpha, min_samples, mde
        self.built_profiles = built_profiles

    def create(self, tenant: str, spec: dict[str, Any]) -> dict[str, Any]:
        variants = spec.get("variants") or []
        if len(variants) < 2:
            raise BadInput("an experiment needs at least two variants (the first is control)")
        names = [v.get("name") for v in variants]
        if len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
            raise BadInput("variant names must be unique, non-empty strings")
        metric = spec.get("primary_metric", "thumbs_up")
        if metric not in ("thumbs_up", "latency") and not str(metric).startswith("score:"):
            raise BadInput("primary_metric must be thumbs_up, latency or score:<name>")
        clean = []
        for v in variants:
            weight = float(v.get("weight", 1))
            if weight <= 0:
                raise BadInput("variant weights must be positive")
            clean.append({"name": v["name"], "weight": weight,
                          "overrides": check_overrides(v.get("overrides") or {},
                                                              self.built_profiles)})
        exp = {"id": "exp_" + secrets.token_hex(6), "name": str(spec.get("name") or "unnamed"),
               "status": "draft", "variants": clean, "primary_metric": metric,
               "guardrails": dict(spec.get("guardrails") or {}), "created_at": time.time(),
               "started_at": None, "stopped_at": None, "promoted": None}
        self.store.save(tenant, exp)
        return exp

    def get(self, tenant: str, exp_id: str) -> dict[str, Any]:
        exp = self.store.get(tenant, exp_id)
        if exp is None:
            raise NotFound(f"no experiment {exp_id!r}")
        return exp

    def start(self, tenant: str, exp_id: str) -> dict[str, Any]:
        exp = self.get(tenant, exp_id)
        other = self.store.running(tenant)
        if other is not None and other["id"] != exp_id:
            raise Conflict(f"experiment {other['id']} is running; stop it first")
        if exp["status"] != "draft":
            raise Conflict(f"experiment is {exp['status']}, only a draft can start")
        exp.update(status="running", started_at=time.time())
        self.store.save(tenant, exp)
        return exp

    def stop(self, tenant: str, exp_id: str) -> dict[str, Any]:
        exp = self.get(tenant, exp_id)
        if exp["status"] != "running":
            raise Conflict(f"experiment is {exp['status']}, not running")
        exp.update(status="stopped", stopped_at=time.time())
        self.store.save(tenant, exp)
        return exp

    def variant_for(self, tenant: str, unit: str | None) -> tuple[dict | None, dict | None]:
        """(running experiment, assigned variant); (None, None) without one or a unit id."""
        exp = self.store.running(tenant)
        if exp is None or not unit:
            return None, None
        name = assign(exp["id"], unit, [(v["name"], v["weight"]) for v in exp["variants"]])
        return exp, next(v for v in exp["variants"] if v["name"] == name)

    def results(self, tenant: str, exp_id: str) -> dict[str, Any]:
        exp = self.get(tenant, exp_id)
        metric = exp["primary_metric"]
        rows = self.store.variant_rows(tenant, exp_id)
        latency: dict[str, list[float]] = defaultdict(list)
        cost: dict[str, list[float]] = defaultdict(list)
        for variant, ms, summary in rows:
            latency[variant].append(ms)
            cost[variant].append(json.loads(summary).get("cost", 0.0))
        if metric == "latency":
            values = latency
        else:
            name = "thumbs_up" if metric == "thumbs_up" else metric.split(":", 1)[1]
            values = defaultdict(list)
            for variant, value in self.store.variant_scores(tenant, exp_id, name):
                values[variant].append(value)
        control = exp["variants"][0]["name"]
        out = []
        for v in exp["variants"]:
            item: dict[str, Any] = {
                "variant": v["name"], "traces": len(latency[v["name"]]),
                "samples": len(values[v["name"]]),
                "estimate": float(np.mean(values[v["name"]])) if values[v["name"]] else None,
                "p95_latency_ms": float(np.percentile(latency[v["name"]], 95))
                if latency[v["name"]] else None,
                "cost_per_answer": float(np.mean(cost[v["name"]])) if cost[v["name"]] else None,
                "guardrail_breaches": []}
            for key, limit in exp["guardrails"].items():
                observed = item.get(key)
                if observed is not None and observed > float(limit):
                    item["guardrail_breaches"].append(f"{key} {observed:.4g} > {limit}")
            if v["name"] != control:
                item.update(self._compare(metric, values[control], values[v["name"]]))
            out.append(item)
        return {"experiment": exp, "control": control, "alpha": self.alpha,
                "method": "mSPRT always-valid p-value; decisions are safe under peeking",
                "variants": out}

    def _compare(self, metric: str, a: list[float], b: list[float]) -> dict[str, Any]:
        if len(a) < 2 or len(b) < 2:
            return {"decision": "keep running", "p_value": None, "always_valid_p": None,
                    "lift": None, "ci": None}
        if metric == "thumbs_up":
            c = stats.compare_rates(int(sum(a)), len(a), int(sum(b)), len(b))
            decision = stats.decide(c, self.alpha, self.min_samples, self.mde)
        else:
            scale = float(np.std(a + b)) or 1.0
            c = stats.compare_means(a, b, tau=scale * 0.2)
            decision = stats.decide(c, self.alpha, self.min_samples, self.mde * scale,
                                    higher_is_better=metric != "latency")
        return {"decision": decision, "p_value": c.p_value, "always_valid_p": c.always_valid_p,
                "test": c.test, "lift": c.lift, "diff": c.diff, "ci": [c.ci_low, c.ci_high]}

    def promote(self, tenant: str, exp_id: str, variant: str, who: str,
                can_answer: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
        """Make the variant's overrides the tenant's configuration: exactly those (so
        promoting the control restores the defaults). ``can_answer`` builds what would
        answer with them; a configuration that cannot answer is refused here, before any
        question meets it, and the configuration in force stays."""
        exp = self.get(tenant, exp_id)
        chosen = next((v for v in exp["variants"] if v["name"] == variant), None)
        if chosen is None:
            raise BadInput(f"experiment has no variant {variant!r}")
        overrides = check_overrides(chosen["overrides"], self.built_profiles)
        if can_answer is not None:
            try:
                can_answer(overrides)
            except Exception as exc:  # noqa: BLE001 - any failure means: do not promote
                raise BadInput(f"variant {variant!r} cannot answer: "
                               f"{type(exc).__name__}: {exc}"[:500]) from None
        if exp["status"] == "running":
            exp["stopped_at"] = time.time()
        exp.update(status="promoted", promoted={"variant": variant, "by": who,
                                                "at": time.time()})
        self.store.save(tenant, exp)
        self.store.update_active_config(
            tenant, lambda current: dict(overrides), who,
            {"experiment": exp_id, "variant": variant})
        return exp
