#!/usr/bin/env python3
"""PyTorch CPU baseline for `npm run bench:learner`: one GRPO step (forward + backward + grad clip + AdamW) of the
Llama in reference.py (float32, same semantics as learner/config.ts), and KV-cached sampling, in tokens/s.

The step is what TRL does per micro-batch: logits only at completion positions (logits_to_keep), log-softmax at
the sampling temperature gathered at the sampled tokens, entropy (metric), k3 KL to reference log-probs (β 0.04),
clipped ratio with clip-higher (ε 0.2 / 0.28), grpo aggregation, clip_grad_norm_(1.0), torch.optim.AdamW
(weight decay 0.01 on matrices only). old/ref log-probs are inputs (computed before timing).
Sampling: prefill a prompt, then decode one token at a time with the KV cache, multinomial at temperature 1,
returning each sampled token's log-prob (as Cohort's sampler does); tokens/s = new tokens / (prefill + decode).
tokens_per_s of the step = B·T / median step time (median of --steps timed steps after --warmup).

Each thread setting (OMP/intra-op threads : OpenBLAS threads) runs in its own process (the env vars must be set
before torch loads); the best setting is reported, per measurement. Debian's torch links the reference BLAS unless
libopenblas0-pthread is installed: the JSON names the BLAS library actually behind libblas.so.3.

  /usr/bin/python3 tools/torch/grpo_bench.py --config 10m --batch 8 --seq 256 --threads 1:1,2:2
Prints one JSON line per setting, then the summary JSON as the last line: {tokens_per_s, sample_tokens_per_s, …}.
`--serve OMP:BLAS` instead runs the step on commands from stdin, so that bench/learner.ts can interleave it with
its own steps (each side in its own process, both resident, same thread count); `--steps 0` measures sampling and
the version handover (copying new weights into the sampler's model) only.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_config(name):
    path = name if name.endswith('.json') else os.path.join(HERE, 'bench_configs', f'{name}.json')
    with open(path) as f:
        c = json.load(f)
    c.setdefault('attention_bias', c.get('model_type') == 'qwen2')
    c.setdefault('num_key_value_heads', c['num_attention_heads'])
    c.setdefault('rope_theta', 10000.0)
    c.setdefault('rms_norm_eps', 1e-6)
    c.setdefault('tie_word_embeddings', False)
    return c


def blas_library():
    try:
        return os.path.realpath('/usr/lib/x86_64-linux-gnu/libblas.so.3')
    except OSError:
        return 'unknown'


def peak_rss_mb():
    import resource
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)   # Linux: KiB


def setup(a, omp):
    """The model, the GRPO step and the sampler of the configured shapes (threads already set in the env)."""
    import torch
    sys.path.insert(0, HERE)
    import reference as ref

    torch.set_num_threads(omp)
    torch.manual_seed(0)
    c = load_config(a.config)
    specs = ref.param_specs(c)
    P = {}
    for name, shape in specs:
        t = torch.ones(shape) if name.endswith('norm.weight') else torch.randn(shape) * 0.02
        P[name] = t.requires_grad_(True)
    n_params = sum(math.prod(s) for _, s in specs)
    B, T, C = a.batch, a.seq, a.completion or a.seq // 2
    V, D, L = c['vocab_size'], c['hidden_size'], c['num_hidden_layers']
    ids = torch.randint(0, V, (B, T))
    temp = 0.7
    case = dict(loss_type='grpo', beta=0.04, epsilon=0.2, epsilon_high=0.28, delta=None, max_completion_length=C)
    adv = torch.randn(B)
    mask = torch.ones(B, C)
    comp = ids[:, T - C:]                                                           # [B, C] completion tokens

    def completion_logprobs(with_entropy):
        logits = ref.forward(P, c, ids, keep=C + 1)[:, :-1] / temp                  # [B, C, V]
        lp = torch.log_softmax(logits, -1)                                          # [B, C, V]
        tok = lp.gather(-1, comp[..., None])[..., 0]                                # [B, C]
        ent = -(lp.detach().exp() * lp.detach()).sum(-1) if with_entropy else None  # [B, C]
        return tok, ent

    with torch.no_grad():
        base, _ = completion_logprobs(False)
    old = base + (torch.rand(B, C) * 0.2 - 0.1)
    refl = base + (torch.rand(B, C) * 0.2 - 0.1)
    decay = [P[n] for n, s in specs if len(s) == 2]
    no_decay = [P[n] for n, s in specs if len(s) != 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=1e-5)

    def step():
        logp, ent = completion_logprobs(True)
        loss = ref.grpo_loss(logp, old, refl, adv, mask, case)[0]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    return torch, ref, c, P, specs, step


def serve(a):
    """Line protocol on stdin/stdout for bench/learner.ts, which interleaves these steps with its own:
    `step` → {"step_s"}; `rss` → {"max_rss_mb"}; `exit`. Prints {"ready": …} once set up (and one warm-up
    step is left to the caller)."""
    omp, blas = (int(x) for x in a.serve.split(':'))
    torch, *_rest, step = setup(a, omp)
    print(json.dumps(dict(ready=True, torch=torch.__version__, blas=blas_library(), threads=f'omp={omp},blas={blas}')), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == 'step':
            t0 = time.perf_counter()
            loss = step()
            print(json.dumps(dict(step_s=time.perf_counter() - t0, loss=loss)), flush=True)
        elif cmd == 'rss':
            print(json.dumps(dict(max_rss_mb=peak_rss_mb())), flush=True)
        elif cmd == 'exit':
            return
        else:
            sys.exit(f'unknown command {cmd!r}')


def run_one(a):
    """Child: measure with the thread setting already in the environment."""
    omp, blas = (int(x) for x in a.single.split(':'))
    torch, ref, c, P, specs, step = setup(a, omp)
    n_params = sum(math.prod(s) for _, s in specs)
    B, T, C = a.batch, a.seq, a.completion or a.seq // 2
    V, D, L = c['vocab_size'], c['hidden_size'], c['num_hidden_layers']
    for _ in range(a.warmup): step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    out = dict(threads=f'omp={omp},blas={blas}', params=n_params, B=B, T=T, completion=C)
    if times:
        best_step = min(times)
        med_step = sorted(times)[len(times) // 2]
        n_linear = sum(math.prod(s) for n, s in specs if len(s) == 2 and 'embed_tokens' not in n and n != 'lm_head.weight')
        flops = 6 * B * T * n_linear + 6 * B * (C + 1) * V * D + 12 * L * B * T * T * D
        out.update(step_s_median=round(med_step, 4), step_s_best=round(best_step, 4),
                   tokens_per_s=round(B * T / med_step, 1), approx_gflops_per_s=round(flops / med_step / 1e9, 1))

    if a.new_tokens > 0:
        for p in P.values(): p.requires_grad_(False)
        Bs, Tp, N = a.sample_batch, a.prompt, a.new_tokens
        prompt = torch.randint(0, V, (Bs, Tp))
        gen = torch.Generator().manual_seed(0)

        def sample():
            with torch.inference_mode():
                cache = []
                logits = ref.forward(P, c, prompt, cache, keep=1)[:, -1]           # [Bs, V]
                toks, lps = [], []
                for _ in range(N):
                    lp = torch.log_softmax(logits, -1)                              # temperature 1
                    t = torch.multinomial(lp.exp(), 1, generator=gen)               # [Bs, 1]
                    toks.append(t)
                    lps.append(lp.gather(-1, t))
                    logits = ref.forward(P, c, t, cache)[:, -1]
            return torch.cat(toks, 1), torch.cat(lps, 1)

        sample()                                                                # warm-up
        rates = []
        for _ in range(a.sample_reps):
            t0 = time.perf_counter()
            sample()
            rates.append(Bs * N / (time.perf_counter() - t0))
        rates.sort()
        mid = len(rates) // 2
        med = rates[mid] if len(rates) % 2 else (rates[mid - 1] + rates[mid]) / 2  # as bench/stats.ts' median
        # version handover: a new version's weights copied into the sampler's model (what load_state_dict does)
        new = {k: v.clone() for k, v in P.items()}
        t1 = time.perf_counter()
        with torch.no_grad():
            for k, v in P.items(): v.copy_(new[k])
        handover = time.perf_counter() - t1
        out.update(sample_batch=Bs, prompt=Tp, new_tokens=N, sample_tokens_per_s=round(med, 1),
                   sample_tokens_per_s_min=round(rates[0], 1), sample_tokens_per_s_max=round(rates[-1], 1),
                   handover_s=round(handover, 5))
    print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser(description='PyTorch CPU GRPO-step and sampling baseline')
    ap.add_argument('--config', default='10m', help='10m | 100m | path to an HF config.json')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--seq', type=int, default=256)
    ap.add_argument('--completion', type=int, default=0, help='completion tokens per row (default seq/2)')
    ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--threads', default='1:1,2:2', help='comma list of omp:blas thread settings')
    ap.add_argument('--sample-batch', type=int, default=8)
    ap.add_argument('--prompt', type=int, default=32)
    ap.add_argument('--new-tokens', type=int, default=64, help='0 skips the sampling measurement')
    ap.add_argument('--sample-reps', type=int, default=5, help='timed sampling calls after one warm-up (median reported)')
    ap.add_argument('--single', help=argparse.SUPPRESS)
    ap.add_argument('--serve', metavar='OMP:BLAS', help='line protocol for bench/learner.ts (set OMP_NUM_THREADS / '
                    'OPENBLAS_NUM_THREADS to match in the environment)')
    a = ap.parse_args()
    if a.serve:
        return serve(a)
    if a.single:
        return run_one(a)

    results = []
    for setting in a.threads.split(','):
        omp, blas = setting.split(':') if ':' in setting else (setting, setting)
        env = dict(os.environ, OMP_NUM_THREADS=omp, OPENBLAS_NUM_THREADS=blas, MKL_NUM_THREADS=blas)
        args = [sys.executable, os.path.abspath(__file__), '--single', f'{omp}:{blas}', '--config', a.config,
                '--batch', str(a.batch), '--seq', str(a.seq), '--completion', str(a.completion), '--steps', str(a.steps),
                '--warmup', str(a.warmup), '--sample-batch', str(a.sample_batch), '--prompt', str(a.prompt),
                '--new-tokens', str(a.new_tokens), '--sample-reps', str(a.sample_reps)]
        r = subprocess.run(args, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f'setting {setting} failed:\n{r.stderr}')
        res = json.loads(r.stdout.strip().splitlines()[-1])
        print(json.dumps(res), flush=True)
        results.append(res)
    best_train = max(results, key=lambda r: r.get('tokens_per_s', 0))
    summary = dict(baseline='pytorch-cpu', torch=__import__('importlib').import_module('torch').__version__,
                   blas=blas_library(), config=a.config, params=best_train['params'], B=a.batch, T=a.seq,
                   completion=best_train['completion'])
    if a.steps > 0:
        summary.update(tokens_per_s=best_train['tokens_per_s'], train_threads=best_train['threads'],
                       approx_gflops_per_s=best_train['approx_gflops_per_s'])
    if a.new_tokens > 0:
        best_s = max(results, key=lambda r: r['sample_tokens_per_s'])
        summary.update(sample_tokens_per_s=best_s['sample_tokens_per_s'], sample_threads=best_s['threads'], handover_s=best_s['handover_s'],
                       sample_tokens_per_s_min=best_s['sample_tokens_per_s_min'], sample_tokens_per_s_max=best_s['sample_tokens_per_s_max'],
                       sample_batch=a.sample_batch, prompt=a.prompt, new_tokens=a.new_tokens)
    print(json.dumps(summary), flush=True)


if __name__ == '__main__':
    main()
