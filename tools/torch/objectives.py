#!/usr/bin/env python3
"""Independent PyTorch (float64) goldens for the TRL 1.9 objectives beyond reference.py's loss types: GSPO
(importance_sampling_level="sequence"), CISPO, the off-policy sequence mask, top_entropy_quantile and the
sampler-mismatch importance-sampling correction (vllm_importance_sampling_mode × cap). Written from TRL's
definitions, on the model, batch and old/ref log-probs of the existing fixture (test/fixtures/golden/<model>/,
made by reference.py), plus sampler log-probs drawn here.

  /usr/bin/python3 tools/torch/objectives.py --check      # --check: autograd vs float64 finite differences

Definitions (A = advantages[b], m = completion_mask, logp = current log-probs, sg = stop-gradient):
  log w = logp − old (token)  |  Σ_t (logp − old)·m / max(Σ_t m, 1) per row (sequence, GSPO)
  coef1 = exp(log w)
  cispo:     policy = −sg(min(coef1, ε_high))·A·logp
  otherwise: coef2 = clamp(coef1, 1 − ε, 1 + ε_high); coef1 ← min(coef1, δ) if δ; policy = −min(coef1·A, coef2·A)
  off-policy mask (threshold τ): keep_b = A ≥ 0 or Σ_t (sampling − sg(logp))·m / max(Σ_t m, 1) ≤ τ
      (sampling = the sampler's log-probs when the case has them, else old)
  entropy mask (q < 1): ent ≥ torch.quantile(ent[m], 1 − q) and m   (ent of the current forward, detached)
  IS weight: Δ = (old − sampling)·m; token: exp(Δ); sequence: exp(Σ_t Δ) per row; truncate: min(·, cap);
      mask: 0 where > cap
  ℓ = policy·keep·entropy_mask·is_weight + β·k3;  aggregation as reference.py (cispo as dapo)
Metrics: clip_ratio.* (grpo family; at sequence level means over rows), cispo_clip_ratio = mean of (coef1 > ε_high)
  & (A > 0), off_policy_masked = fraction of completion tokens dropped by the mask, sampling/* as TRL logs them
  (|Δ| mean/max over completion tokens, IS weight min/mean/max over tokens or rows), sampling/mismatch_kl =
  masked mean of exp(Δ) − Δ − 1, sampling/masked_fraction = completion tokens with weight 0.
Writes objectives.json (cases, sampling_logprobs) and objectives.safetensors (F64: <case>.<metric> [1],
<case>.grad.<param>, <case>.token_weight [B,T] when the case has host-side weights).
"""
import argparse
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402

# With the fixture's advantages no row would clip at the sequence level, and the off-policy mask (which only
# drops rows with A < 0 that drifted) would keep every row. Cases marked SEQ_ADV use advantages derived from the
# data instead (seq_advantages): the two rows whose sequence ratio is farthest from 1 get A of the same sign as
# log ratio (so they clip), the third gets +0.4.
SEQ_ADV = 'seq'
CASES = [
    dict(name='gspo', loss_type='grpo', importance_sampling_level='sequence', beta=0.0, epsilon=0.02, epsilon_high=0.025, advantages=SEQ_ADV),
    dict(name='gspo_dapo_kl_delta', loss_type='dapo', importance_sampling_level='sequence', beta=0.04, epsilon=0.02, epsilon_high=0.025, delta=1.03,
         advantages=SEQ_ADV),
    dict(name='cispo', loss_type='cispo', beta=0.0, epsilon=0.2, epsilon_high=1.1),
    dict(name='cispo_sequence_kl', loss_type='cispo', importance_sampling_level='sequence', beta=0.04, epsilon=0.2, epsilon_high=1.01,
         advantages=SEQ_ADV),
    dict(name='off_policy_mask_sampler', loss_type='dapo', beta=0.0, epsilon=0.2, epsilon_high=0.28, off_policy_mask_threshold=0.05, sampling=True,
         advantages=SEQ_ADV),
    dict(name='off_policy_mask_old', loss_type='grpo', beta=0.0, epsilon=0.2, epsilon_high=0.28, off_policy_mask_threshold=0.05, advantages=SEQ_ADV),
    dict(name='top_entropy', loss_type='grpo', beta=0.0, epsilon=0.2, epsilon_high=0.28, top_entropy_quantile=0.4),
    dict(name='is_token_truncate', loss_type='dapo', beta=0.0, epsilon=0.2, epsilon_high=0.28, sampling=True, is_mode='token_truncate', is_cap=1.08),
    dict(name='is_token_mask', loss_type='dapo', beta=0.0, epsilon=0.2, epsilon_high=0.28, sampling=True, is_mode='token_mask', is_cap=1.08),
    dict(name='is_sequence_truncate', loss_type='grpo', beta=0.0, epsilon=0.2, epsilon_high=0.28, sampling=True, is_mode='sequence_truncate', is_cap=1.05),
    dict(name='is_sequence_mask', loss_type='grpo', beta=0.0, epsilon=0.2, epsilon_high=0.28, sampling=True, is_mode='sequence_mask', is_cap=1.05),
    dict(name='everything', loss_type='bnpo', importance_sampling_level='sequence', beta=0.05, epsilon=0.02, epsilon_high=0.025, delta=1.04,
         advantages=SEQ_ADV,
         off_policy_mask_threshold=0.05, top_entropy_quantile=0.6, sampling=True, is_mode='token_truncate', is_cap=1.08),
]
DEFAULTS = dict(advantages=None, importance_sampling_level='token', delta=None, off_policy_mask_threshold=None, top_entropy_quantile=1.0,
                sampling=False, is_mode=None, is_cap=None)
SAMPLER_NOISE = 0.12
# the objectives act on log-probs, not on the architecture: two of reference.py's models (untied Llama, tied Qwen2
# with biases) cover them; the cases' parameters are chosen so every branch binds on these two fixtures
MODELS = ['llama', 'qwen2-tied']   # sampler log-probs = old + U(−a, a) on completion tokens


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    out = {}
    for name, h in header.items():
        if name == '__metadata__': continue
        fmt, size = {'F32': ('f', 4), 'F64': ('d', 8)}[h['dtype']]
        a, b = h['data_offsets']
        vals = struct.unpack(f'<{(b - a) // size}{fmt}', blob[a:b])
        out[name] = torch.tensor(vals, dtype=torch.float64).reshape(h['shape'])
    return out


def row_mean(x, m):
    return (x * m).sum(-1, keepdim=True) / m.sum(-1, keepdim=True).clamp(min=1.0)


def is_weights(old, sampling, m, mode, cap):
    delta = (old - sampling) * m
    w = torch.exp(delta.sum(-1, keepdim=True) if mode.startswith('sequence') else delta)
    w = torch.clamp(w, max=cap) if mode.endswith('truncate') else w.masked_fill(w > cap, 0.0)
    return w.expand_as(m) * m


def entropy_mask(ent, m, q):
    thr = torch.quantile(ent[m.bool()], 1 - q)
    return ((ent >= thr) & m.bool()).to(torch.float64)


def host_weight(ent, old, sampling, m, case):
    """The host-side product entropy mask × IS weight [B,T], or None when the case has neither."""
    weight = None
    if case['top_entropy_quantile'] < 1:
        weight = entropy_mask(ent.detach(), m, case['top_entropy_quantile'])
    if case['is_mode']:
        w = is_weights(old, sampling, m, case['is_mode'], case['is_cap'])
        weight = w if weight is None else weight * w
    return weight


def objective(logp, old, ref_lp, sampling, adv, m, case, weight, at=None):
    """Loss and metrics; `weight` = host_weight(...) (constants: finite differences keep them fixed), `at` = the
    log-probs where CISPO's stop-gradient weight is taken (default logp itself; finite differences hold it)."""
    A = adv[:, None]
    eps, eps_hi, beta, delta = case['epsilon'], case['epsilon_high'], case['beta'], case['delta']
    seq = case['importance_sampling_level'] == 'sequence'
    log_w = row_mean(logp - old, m) if seq else logp - old
    coef1 = torch.exp(log_w)
    rows = (m.sum(-1, keepdim=True) > 0).to(torch.float64)
    frac = lambda b: ((b.to(torch.float64) * rows).sum() / rows.sum()) if seq else (b.to(torch.float64) * m).sum() / m.sum()
    metrics = {}
    if case['loss_type'] == 'cispo':
        w = coef1 if at is None else torch.exp(row_mean(at - old, m) if seq else at - old)
        policy = -torch.clamp(w, max=eps_hi).detach() * A * logp
        metrics['cispo_clip_ratio'] = frac((coef1 > eps_hi) & (A > 0))
        for k in ('low_mean', 'high_mean', 'region_mean'): metrics[f'clip_ratio.{k}'] = torch.tensor(0.0)
    else:
        coef2 = torch.clamp(coef1, 1 - eps, 1 + eps_hi)
        if delta is not None: coef1 = torch.clamp(coef1, max=delta)
        policy = -torch.min(coef1 * A, coef2 * A)
        low, high = (coef1 < 1 - eps) & (A < 0), (coef1 > 1 + eps_hi) & (A > 0)
        metrics.update({'clip_ratio.low_mean': frac(low), 'clip_ratio.high_mean': frac(high), 'clip_ratio.region_mean': frac(low | high),
                        'cispo_clip_ratio': torch.tensor(0.0)})
    metrics['off_policy_masked'] = torch.tensor(0.0)
    if case['off_policy_mask_threshold'] is not None:
        s = sampling if case['sampling'] else old
        keep = ((A >= 0) | (row_mean(s - logp.detach(), m) <= case['off_policy_mask_threshold'])).to(torch.float64)
        policy = policy * keep
        metrics['off_policy_masked'] = ((1 - keep) * m).sum() / m.sum()
    if weight is not None: policy = policy * weight
    d = ref_lp - logp
    k3 = torch.exp(d) - d - 1
    ptl = policy + beta * k3
    lt = case['loss_type']
    if lt == 'grpo': loss = row_mean(ptl, m).mean()
    elif lt == 'bnpo': loss = (ptl * m).sum() / m.sum().clamp(min=1)
    else: loss = (ptl * m).sum() / m.sum()   # dapo, cispo (single batch: N = its tokens)
    metrics['kl'] = (k3 * m).sum() / m.sum()
    return loss, metrics


def sampling_metrics(old, sampling, m, mode, cap):
    delta = (old - sampling)[m.bool()]
    w = is_weights(old, sampling, m, mode, cap)
    flat = w.max(-1).values if mode.startswith('sequence') else w[m.bool()]   # one weight per row (all rows have tokens)
    d = (old - sampling) * m
    return {'sampling/sampling_logp_difference/mean': delta.abs().mean(), 'sampling/sampling_logp_difference/max': delta.abs().max(),
            'sampling/importance_sampling_ratio/min': flat.min(), 'sampling/importance_sampling_ratio/mean': flat.mean(),
            'sampling/importance_sampling_ratio/max': flat.max(),
            'sampling/mismatch_kl': ((torch.exp(d) - d - 1) * m).sum() / m.sum(),
            'sampling/masked_fraction': ((w == 0) & m.bool()).sum().to(torch.float64) / m.sum()}


def seq_advantages(logp, old, m):
    lw = row_mean(logp - old, m)[:, 0]
    order = lw.abs().argsort(descending=True).tolist()
    adv = [0.4] * len(order)
    for k, b in enumerate(order[:2]): adv[b] = (0.9, 1.1)[k] * (1.0 if lw[b] > 0 else -1.0)
    return adv


def generate(name, d, seed, check):
    c = ref.MODELS[name]
    P = read_safetensors(os.path.join(d, 'model.safetensors'))
    with open(os.path.join(d, 'batch.json')) as f: batch = json.load(f)
    ids = torch.tensor(batch['input_ids'])
    m = torch.tensor(batch['completion_mask'], dtype=torch.float64)
    old = torch.tensor(batch['old_logprobs'], dtype=torch.float64)
    ref_lp = torch.tensor(batch['ref_logprobs'], dtype=torch.float64)
    temp = batch['temperature']
    gen = torch.Generator().manual_seed(seed)
    sampling = old + (torch.rand(old.shape, generator=gen, dtype=torch.float64) * 2 - 1) * SAMPLER_NOISE * m
    names = [n for n, _ in ref.param_specs(c)]
    expected = {}
    cases = [{**DEFAULTS, **k} for k in CASES]
    with torch.no_grad():
        seq_adv = seq_advantages(ref.token_logprobs(ref.forward(P, c, ids), ids, temp)[0], old, m)
    for k in cases:
        if k['advantages'] == SEQ_ADV: k['advantages'] = seq_adv
    for case in cases:
        cn = case['name']
        adv = torch.tensor(case['advantages'] or batch['advantages'], dtype=torch.float64)
        Pg = {k: v.clone().requires_grad_(True) for k, v in P.items()}
        lp, ent = ref.token_logprobs(ref.forward(Pg, c, ids), ids, temp)
        weight = host_weight(ent, old, sampling, m, case)
        loss, metrics = objective(lp, old, ref_lp, sampling, adv, m, case, weight)
        grads = torch.autograd.grad(loss, [Pg[n] for n in names])
        expected[f'{cn}.loss'] = loss.detach().reshape(1)
        for k, v in metrics.items(): expected[f'{cn}.{k}'] = v.detach().reshape(1).to(torch.float64)
        if case['is_mode']:
            for k, v in sampling_metrics(old, sampling, m, case['is_mode'], case['is_cap']).items(): expected[f'{cn}.{k}'] = v.reshape(1).to(torch.float64)
        if weight is not None:
            expected[f'{cn}.token_weight'] = weight
        if case['top_entropy_quantile'] < 1:
            on = entropy_mask(ent.detach(), m, case['top_entropy_quantile'])[m.bool()]
            assert 0 < on.sum() < on.numel(), f'{name}/{cn}: the entropy mask should drop some tokens, not all'
        if case['is_mode']:
            on = is_weights(old, sampling, m, case['is_mode'], float('inf'))[m.bool()]
            assert 0 < (on > case['is_cap']).sum() < on.numel(), f'{name}/{cn}: the IS cap should bind on some tokens, not all'
        if case['importance_sampling_level'] == 'sequence' and case['loss_type'] != 'cispo':
            assert 0 < metrics['clip_ratio.region_mean'] < 1, f'{name}/{cn}: some rows should clip, not all'
        if case['loss_type'] == 'cispo':
            assert 0 < metrics['cispo_clip_ratio'] < 1, f'{name}/{cn}: the CISPO cap should bind on some tokens, not all'
        if case['off_policy_mask_threshold'] is not None:
            assert 0 < metrics['off_policy_masked'] < 1, f'{name}/{cn}: the off-policy mask should drop some tokens, not all'
        for n, g in zip(names, grads): expected[f'{cn}.grad.{n}'] = g
        print(f'  {name} {cn:24s} loss {loss.item():+.6f} ' + ' '.join(f'{k} {v.item():.4f}' for k, v in metrics.items() if v.item()))
        if check:
            # the host weights are constants (masks and IS weights carry no gradient): held fixed
            loss_fn = lambda Q, case=case, weight=weight: objective(ref.token_logprobs(ref.forward(Q, c, ids), ids, temp)[0], old, ref_lp,
                                                                     sampling, adv, m, case, weight, lp.detach())[0]
            ref.finite_difference_check(P, c, ids, names, grads, loss_fn, f'{name}/{cn}')
    with open(os.path.join(d, 'objectives.json'), 'w') as f:
        f.write(ref.compact_json(dict(sampling_logprobs=sampling.tolist(), cases=cases)))
    ref.write_safetensors(os.path.join(d, 'objectives.safetensors'), expected, 'F64',
                          {'generator': 'tools/torch/objectives.py', 'seed': str(seed), 'torch': torch.__version__})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', default=os.path.join(HERE, '..', '..', 'test', 'fixtures', 'golden'))
    ap.add_argument('--seed', type=int, default=4321)
    ap.add_argument('--check', action='store_true', help='verify gradients by finite differences')
    a = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    for i, name in enumerate(MODELS):
        generate(name, os.path.join(a.dir, name), a.seed + i, a.check)


if __name__ == '__main__':
    main()
