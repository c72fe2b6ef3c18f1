#!/usr/bin/env python3
"""
An outside trainer pulling Cohort's scored groups over HTTP, with the Python standard library only.

Adapt `train_step` to your framework (verl, TRL, prime-rl, plain PyTorch): each batch arrives as the tensors a
TRL-style GRPO step takes (`to_tensors`):

    prompt_ids / prompt_mask            [B, P]  left-padded (needs your tokenizer: pass `tokenize`)
    completion_ids / completion_mask    [B, C]  right-padded
    old_per_token_logps                 [B, C]  the sampler's log-probs (log-softmax(logits / T) before top-k/top-p)
    advantages                          [B]     GRPO advantages, computed by Cohort exactly as its own learner does
    rewards                             [B]
B = groups x G rows (group-major), plain nested lists; torch.tensor(...) them where PyTorch is installed.

The protocol (every call needs a learner key):
    POST /v1/batches {"groups": N}          claim up to N ready groups (204: none ready, retry later)
    POST /v1/batches/{id}/renew             heartbeat while the step runs (a thread below does it)
    POST /v1/batches/{id}/complete          {"step", "metrics"}: the groups are trained, exactly once
    POST /v1/batches/{id}/release           give them back untrained
    POST /v1/models                         register the weights you produced, for the rollout workers
A trainer that dies between claim and complete loses nothing: the claim lapses and the groups are served again;
its late /complete answers 410 and writes nothing.

Usage:
    COHORT_LEARNER_KEY=... python3 examples/trainer_client.py --base-url http://127.0.0.1:8787 --groups 8 --steps 10
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Optional


class CohortError(RuntimeError):
    def __init__(self, status: int, problem: dict):
        super().__init__(f"HTTP {status}: {problem.get('detail', problem)}")
        self.status = status
        self.problem = problem


class CohortTrainerClient:
    def __init__(self, base_url: str, key: str, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Optional[dict] = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("authorization", f"Bearer {self.key}")
        if data is not None:
            req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                raw = res.read()
                return res.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as err:  # problem+json
            raw = err.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"detail": raw.decode(errors="replace")}
            raise CohortError(err.code, problem) from None

    def claim(self, groups: int, task: Optional[str] = None, max_staleness: Optional[int] = None,
              claim_seconds: Optional[int] = None) -> Optional[dict]:
        """A batch of up to `groups` groups, or None when nothing is ready."""
        body: dict = {"groups": groups}
        if task is not None:
            body["task"] = task
        if max_staleness is not None:
            body["maxStaleness"] = max_staleness
        if claim_seconds is not None:
            body["claimSeconds"] = claim_seconds
        status, batch = self._call("POST", "/v1/batches", body)
        return batch if status == 201 else None

    def renew(self, batch_id: int, claim_seconds: Optional[int] = None) -> dict:
        body = {} if claim_seconds is None else {"claimSeconds": claim_seconds}
        return self._call("POST", f"/v1/batches/{batch_id}/renew", body)[1]

    def complete(self, batch_id: int, step: int, metrics: dict[str, float]) -> dict:
        return self._call("POST", f"/v1/batches/{batch_id}/complete", {"step": step, "metrics": metrics})[1]

    def release(self, batch_id: int) -> dict:
        return self._call("POST", f"/v1/batches/{batch_id}/release")[1]

    def register_model(self, step: int, fmt: str, files: dict[str, dict], artifact_uri: Optional[str] = None,
                       metrics: Optional[dict] = None) -> dict:
        """files: {relative path: {"sha256", "bytes", "url"?}}; fmt "safetensors" or "onnx"."""
        body: dict = {"step": step, "format": fmt, "files": files, "metrics": metrics or {}}
        if artifact_uri:
            body["artifactUri"] = artifact_uri
        return self._call("POST", "/v1/models", body)[1]


class Heartbeat:
    """Renews a batch's claim every claim_seconds / 3 while the step runs (`with Heartbeat(...)`)."""

    def __init__(self, client: CohortTrainerClient, batch_id: int, claim_seconds: int):
        self.client, self.batch_id, self.period = client, batch_id, claim_seconds / 3
        self.claim_seconds = claim_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.client.renew(self.batch_id, self.claim_seconds)
            except CohortError as err:
                print(f"heartbeat: {err}", file=sys.stderr)
                return

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def to_tensors(batch: dict, tokenize: Optional[Callable[[str], list[int]]] = None, pad_id: int = 0) -> dict:
    """One row per completion, group-major; the tensors of a TRL-style GRPO step as nested lists."""
    rows = [(g, c) for g in batch["groups"] for c in g["completions"]]
    width = max((len(c["tokenIds"] or []) for _, c in rows), default=0)
    out: dict = {"completion_ids": [], "completion_mask": [], "old_per_token_logps": [], "advantages": [], "rewards": [],
                 "group_ids": []}
    for g, c in rows:
        ids = c["tokenIds"] or []
        lps = c["logprobs"] or [0.0] * len(ids)
        pad = width - len(ids)
        out["completion_ids"].append(ids + [pad_id] * pad)
        out["completion_mask"].append([1] * len(ids) + [0] * pad)
        out["old_per_token_logps"].append(lps + [0.0] * pad)
        out["advantages"].append(c["advantage"])
        out["rewards"].append(c["reward"])
        out["group_ids"].append(g["id"])
    if tokenize is not None:
        prompts = [tokenize(g["prompt"]["text"]) for g, _ in rows]
        p = max((len(x) for x in prompts), default=0)
        out["prompt_ids"] = [[pad_id] * (p - len(x)) + x for x in prompts]  # left padding, as TRL
        out["prompt_mask"] = [[0] * (p - len(x)) + [1] * len(x) for x in prompts]
    return out


def train_step(tensors: dict) -> dict[str, float]:
    """Stand-in for your optimiser step. Here: the GRPO surrogate at ratio 1 (its value before any update)."""
    num = den = 0.0
    for adv, mask in zip(tensors["advantages"], tensors["completion_mask"]):
        num += -adv * sum(mask)
        den += sum(mask)
    rewards = tensors["rewards"]
    return {"loss": num / den if den else 0.0, "reward": sum(rewards) / len(rewards) if rewards else 0.0,
            "num_tokens": den}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", default=os.environ.get("COHORT_URL", "http://127.0.0.1:8787"))
    ap.add_argument("--key-env", default="COHORT_LEARNER_KEY", help="environment variable holding a learner key")
    ap.add_argument("--groups", type=int, default=8, help="groups per step")
    ap.add_argument("--task")
    ap.add_argument("--max-staleness", type=int)
    ap.add_argument("--claim-seconds", type=int, default=120)
    ap.add_argument("--steps", type=int, default=1, help="steps to train, then exit")
    ap.add_argument("--first-step", type=int, default=1)
    ap.add_argument("--idle-exit", type=float, default=30.0, help="exit when no group came for this many seconds")
    ap.add_argument("--dump", help="write the first batch's tensors here as JSON")
    ap.add_argument("--crash-after-claim", action="store_true", help="die right after claiming (a crash drill)")
    args = ap.parse_args(argv)
    key = os.environ.get(args.key_env)
    if not key:
        print(f"set {args.key_env} to a learner key", file=sys.stderr)
        return 2
    client = CohortTrainerClient(args.base_url, key)
    step, idle_since = args.first_step, time.monotonic()
    while step < args.first_step + args.steps:
        batch = client.claim(args.groups, args.task, args.max_staleness, args.claim_seconds)
        if batch is None:
            if time.monotonic() - idle_since > args.idle_exit:
                print("no groups ready; exiting", file=sys.stderr)
                return 1
            time.sleep(0.2)
            continue
        if args.crash_after_claim:
            print(json.dumps({"claimed": batch["id"], "groups": batch["groupIds"]}), flush=True)
            os._exit(3)
        tensors = to_tensors(batch, tokenize=lambda s: list(s.encode()))  # bytes: replace with your tokenizer
        if args.dump and step == args.first_step:
            with open(args.dump, "w") as f:
                json.dump(tensors, f)
        with Heartbeat(client, batch["id"], args.claim_seconds):
            metrics = train_step(tensors)
        client.complete(batch["id"], step, metrics)
        print(json.dumps({"step": step, "batch": batch["id"], "groups": batch["groupIds"], **metrics}), flush=True)
        step, idle_since = step + 1, time.monotonic()
    return 0


if __name__ == "__main__":
    sys.exit(main())
