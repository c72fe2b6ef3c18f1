#!/usr/bin/env python3
"""Independent PyTorch (float64) reference for Cohort's learner: a Llama/Qwen2/Qwen3/Mistral decoder written from the formulas
in learner/config.ts, TRL-style GRPO losses and SFT cross-entropy, emitting golden fixtures the TS tests compare
against (test/fixtures/golden/<name>/). Run with Debian's torch:  /usr/bin/python3 tools/torch/reference.py

Model (HF LlamaForCausalLM semantics; Linear weights [out, in], y = x·Wᵀ + b):
  h = embed_tokens[ids]                                                                    [B,T,D]
  per layer: h += o_proj(attn(rope(q_proj(rms(h))), rope(k_proj(rms(h))), v_proj(rms(h))))
             h += down_proj(silu(gate_proj(rms(h))) * up_proj(rms(h)))
  logits = lm_head(norm(h))            lm_head = embed_tokens when tie_word_embeddings    [B,T,V]
  rms(x) = w * x / sqrt(mean(x², -1) + rms_norm_eps)
  rope: rotate_half layout, inv_freq[i] = theta^(-2i/Dh), angle[t,i] = t·inv_freq[i], positions 0..T-1;
        theta / scaling from rope_parameters (transformers 5) or rope_theta / rope_scaling (4); linear and llama3
        scaling as in transformers' modeling_rope_utils (scaled_inv_freq below)
  qwen3: q, k = rms(q_proj(x)), rms(k_proj(x)) per head (q_norm / k_norm [Dh]) before rope; head_dim explicit
  attention: causal, GQA (kv head j serves query heads j·H/KV … (j+1)·H/KV−1), scale 1/sqrt(Dh)
  qwen2: q/k/v biases (no o bias).  Padding is on the right, so causal attention needs no padding mask.

Per-token quantities (temp = batch.temperature; m = completion_mask, 0 at t = 0, on prompt and padding):
  logprobs[b,t] = log_softmax(logits[b,t−1] / temp)[ids[b,t]]  for t ≥ 1, 0 at t = 0
  entropy[b,t]  = −Σ_v p log p of softmax(logits[b,t−1] / temp) for t ≥ 1, 0 at t = 0
  k3   = exp(ref − logp) − (ref − logp) − 1
  coef1 = exp(logp − old); coef2 = clamp(coef1, 1 − ε, 1 + ε_high); if delta: coef1 = clamp(coef1, max=delta)
  ptl  = −min(coef1·A, coef2·A) + β·k3                     (A = advantages[b], broadcast over t)
  grpo    = mean_b(Σ_t ptl·m / max(Σ_t m, 1))
  bnpo    = Σ ptl·m / max(Σ m, 1)
  dr_grpo = Σ ptl·m / (B · max_completion_length)
  dapo    = Σ ptl·m / (active tokens in the whole batch)   (= bnpo for a single batch; differs under accumulation)
  kl = masked mean of k3;  clip_ratio.low_mean = masked mean of (coef1 < 1−ε) & (A < 0),
  .high_mean = masked mean of (coef1 > 1+ε_high) & (A > 0), .region_mean = masked mean of either
  (coef1 here is after the delta clamp, as in TRL).
  sft.loss = −Σ log_softmax(logits[b,t−1])[ids[b,t]]·m / Σ m   (temperature 1)

expected.safetensors (F64): logits [B,T,V] (raw, before temperature), logprobs [B,T], entropy [B,T],
  <case>.loss / .kl / .clip_ratio.low_mean / .high_mean / .region_mean [1], <case>.grad.<param> for every
  parameter (HF names, paramSpecs order), sft.loss [1], sft.grad.<param>.
Weights are drawn in float64, rounded to float32 (model.safetensors is F32), and the reference runs in float64
on exactly those rounded values. `--check` also verifies a few gradient entries by central finite differences.
"""
import argparse
import json
import math
import os
import struct
import sys

import torch

MODELS = {
    'llama': dict(model_type='llama', hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, intermediate_size=24, vocab_size=32, rms_norm_eps=1e-5,
                  rope_theta=10000.0, tie_word_embeddings=False, max_position_embeddings=64,
                  attention_bias=False),
    'qwen2-tied': dict(model_type='qwen2', hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=1, intermediate_size=24, vocab_size=32, rms_norm_eps=1e-6,
                       rope_theta=1000000.0, tie_word_embeddings=True, max_position_embeddings=64,
                       attention_bias=True),
    # Qwen3 with a transformers-5 config: rope_parameters, explicit head_dim (H·Dh = 32 ≠ D), q_norm / k_norm
    'qwen3': dict(model_type='qwen3', hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, head_dim=8, intermediate_size=24, vocab_size=32, rms_norm_eps=1e-6,
                  rope_parameters=dict(rope_type='default', rope_theta=1000000.0), tie_word_embeddings=True,
                  max_position_embeddings=64, attention_bias=False, use_sliding_window=False, sliding_window=None,
                  max_window_layers=2, layer_types=['full_attention', 'full_attention']),
    # Llama 3.x RoPE scaling, transformers-5 layout; frequencies hit all three llama3 branches
    # (wavelengths 6.3, 94 unchanged; 1405 smoothed; 21000 divided by factor)
    'llama3': dict(model_type='llama', hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                   num_key_value_heads=2, head_dim=8, intermediate_size=24, vocab_size=32, rms_norm_eps=1e-5,
                   rope_parameters=dict(rope_type='llama3', rope_theta=50000.0, factor=8.0, low_freq_factor=1.0,
                                        high_freq_factor=4.0, original_max_position_embeddings=2048),
                   tie_word_embeddings=False, max_position_embeddings=64, attention_bias=False, mlp_bias=False),
    # linear RoPE scaling, transformers-4 layout with the legacy "type" key
    'llama-linear': dict(model_type='llama', hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=4, intermediate_size=24, vocab_size=32, rms_norm_eps=1e-5,
                         rope_theta=10000.0, rope_scaling=dict(type='linear', factor=4.0), tie_word_embeddings=False,
                         max_position_embeddings=64, attention_bias=False),
    # Mistral: explicit head_dim (H·Dh = 24), a sliding window no sequence here reaches
    'mistral': dict(model_type='mistral', hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=6, intermediate_size=24, vocab_size=32, rms_norm_eps=1e-5,
                    rope_theta=100000.0, sliding_window=4096, tie_word_embeddings=False, max_position_embeddings=64),
}

CASES = [
    dict(name='grpo_beta0', loss_type='grpo', beta=0.0, epsilon=0.2, epsilon_high=0.2, delta=None, max_completion_length=8),
    dict(name='bnpo_kl', loss_type='bnpo', beta=0.04, epsilon=0.2, epsilon_high=0.28, delta=None, max_completion_length=8),
    dict(name='dr_grpo_delta', loss_type='dr_grpo', beta=0.1, epsilon=0.2, epsilon_high=0.28, delta=1.2, max_completion_length=8),
    dict(name='dapo_clip_higher', loss_type='dapo', beta=0.0, epsilon=0.2, epsilon_high=0.28, delta=None, max_completion_length=8),
    dict(name='grpo_full', loss_type='grpo', beta=0.05, epsilon=0.15, epsilon_high=0.25, delta=1.3, max_completion_length=9),
]

B, T = 3, 10
TEMPERATURE = 0.7
# (prompt length, completion length) per row; the rest is right padding with PAD
ROWS = [(3, 7), (4, 4), (2, 5)]
ADVANTAGES = [-0.9, 1.1, 0.4]
PAD = 0


def head_dim(c):
    return c.get('head_dim') or c['hidden_size'] // c['num_attention_heads']


def biases(c):
    """(q/k/v bias, o bias): qwen2 always q/k/v only; mistral none; llama / qwen3 per attention_bias."""
    if c['model_type'] == 'qwen2': return True, False
    b = c.get('attention_bias', False)
    return b, b


def rope_spec(c):
    """(theta, scaling dict or None) from either config layout (transformers 5 rope_parameters, 4 rope_theta/rope_scaling)."""
    p = c.get('rope_parameters') or c.get('rope_scaling') or {}
    theta = p.get('rope_theta', c.get('rope_theta', 10000.0))
    kind = p.get('rope_type', p.get('type', 'default'))
    return theta, (None if kind == 'default' else dict(p, rope_type=kind))


def param_specs(c):
    """Names and shapes in learner/config.ts paramSpecs order."""
    D, Dh, H, KV, F, V = (c['hidden_size'], head_dim(c), c['num_attention_heads'],
                          c['num_key_value_heads'], c['intermediate_size'], c['vocab_size'])
    qkv_bias, o_bias = biases(c)
    out = [('model.embed_tokens.weight', [V, D])]
    for l in range(c['num_hidden_layers']):
        p = f'model.layers.{l}'
        out.append((f'{p}.input_layernorm.weight', [D]))
        out.append((f'{p}.self_attn.q_proj.weight', [H * Dh, D]))
        if qkv_bias: out.append((f'{p}.self_attn.q_proj.bias', [H * Dh]))
        out.append((f'{p}.self_attn.k_proj.weight', [KV * Dh, D]))
        if qkv_bias: out.append((f'{p}.self_attn.k_proj.bias', [KV * Dh]))
        out.append((f'{p}.self_attn.v_proj.weight', [KV * Dh, D]))
        if qkv_bias: out.append((f'{p}.self_attn.v_proj.bias', [KV * Dh]))
        out.append((f'{p}.self_attn.o_proj.weight', [D, H * Dh]))
        if o_bias: out.append((f'{p}.self_attn.o_proj.bias', [D]))
        if c['model_type'] == 'qwen3':
            out.append((f'{p}.self_attn.q_norm.weight', [Dh]))
            out.append((f'{p}.self_attn.k_norm.weight', [Dh]))
        out.append((f'{p}.post_attention_layernorm.weight', [D]))
        out.append((f'{p}.mlp.gate_proj.weight', [F, D]))
        out.append((f'{p}.mlp.up_proj.weight', [F, D]))
        out.append((f'{p}.mlp.down_proj.weight', [D, F]))
    out.append(('model.norm.weight', [D]))
    if not c['tie_word_embeddings']: out.append(('lm_head.weight', [V, D]))
    return out


# ---------------------------------------------------------------- model (dimension legend: B T D H KV Dh F V)

def rms_norm(x, w, eps):
    """x [..., D], w [D] → [..., D]"""
    return w * x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps)


def scaled_inv_freq(inv_freq, sc):
    """transformers' rope scaling of inv_freq [Dh/2]: linear divides by factor; llama3 divides low frequencies
    (wavelength > L/low_freq_factor), keeps high ones (< L/high_freq_factor) and interpolates between."""
    if sc is None: return inv_freq
    if sc['rope_type'] == 'linear': return inv_freq / sc['factor']
    assert sc['rope_type'] == 'llama3', sc
    factor, lo, hi, L = sc['factor'], sc['low_freq_factor'], sc['high_freq_factor'], sc['original_max_position_embeddings']
    wavelen = 2 * math.pi / inv_freq
    out = torch.where(wavelen > L / lo, inv_freq / factor, inv_freq)
    smooth = (L / wavelen - lo) / (hi - lo)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < L / hi) & ~(wavelen > L / lo)
    return torch.where(medium, smoothed, out)


def rope_tables(start, T, Dh, theta, dtype, scaling=None):
    """cos, sin [T, Dh] for positions start … start+T−1, rotate_half layout (angles computed in float64)."""
    inv_freq = theta ** (-torch.arange(0, Dh // 2, dtype=torch.float64) * 2 / Dh)   # [Dh/2]
    inv_freq = scaled_inv_freq(inv_freq, scaling)
    pos = torch.arange(start, start + T, dtype=torch.float64)                       # [T]
    angle = pos[:, None] * inv_freq[None, :]                                        # [T, Dh/2]
    emb = torch.cat([angle, angle], -1)                                             # [T, Dh]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def linear(x, P, name, bias):
    """y = x·Wᵀ (+ b), plus LoRA when P holds an adapter for `name`: + scale · (x·Aᵀ)·Bᵀ (scale = P['lora_scale'])."""
    y = x @ P[name + '.weight'].T
    if bias: y = y + P[name + '.bias']
    if name + '.lora_A.weight' in P:
        y = y + P['lora_scale'] * ((x @ P[name + '.lora_A.weight'].T) @ P[name + '.lora_B.weight'].T)
    return y


def forward(P, c, ids, cache=None, keep=None):
    """ids [B, T] → logits [B, T, V]. With `cache` (a list, one (k, v) pair [B, KV, Tpast, Dh] per layer, empty
    at first) the tokens continue the cached sequence at positions Tpast … and the cache is extended in place.
    `keep` = n: the LM head runs on the last n positions only (TRL's logits_to_keep) → logits [B, n, V]."""
    Bn, Tn = ids.shape
    D, H, KV = c['hidden_size'], c['num_attention_heads'], c['num_key_value_heads']
    Dh = head_dim(c)
    qkv_bias, o_bias = biases(c)
    theta, scaling = rope_spec(c)
    past = cache[0][0].shape[2] if cache else 0
    h = P['model.embed_tokens.weight'][ids]                                         # [B, T, D]
    cos, sin = rope_tables(past, Tn, Dh, theta, h.dtype, scaling)                  # [T, Dh]
    causal = torch.arange(past + Tn)[None, :] <= torch.arange(past, past + Tn)[:, None]   # [T, Tpast+T]
    for l in range(c['num_hidden_layers']):
        p = f'model.layers.{l}'
        x = rms_norm(h, P[f'{p}.input_layernorm.weight'], c['rms_norm_eps'])        # [B, T, D]
        q = linear(x, P, f'{p}.self_attn.q_proj', qkv_bias).view(Bn, Tn, H, Dh)      # [B, T, H, Dh]
        k = linear(x, P, f'{p}.self_attn.k_proj', qkv_bias).view(Bn, Tn, KV, Dh)     # [B, T, KV, Dh]
        if c['model_type'] == 'qwen3':                                              # per-head RMSNorm before rope
            q = rms_norm(q, P[f'{p}.self_attn.q_norm.weight'], c['rms_norm_eps'])
            k = rms_norm(k, P[f'{p}.self_attn.k_norm.weight'], c['rms_norm_eps'])
        q, k = q.transpose(1, 2), k.transpose(1, 2)                                 # [B, H|KV, T, Dh]
        v = linear(x, P, f'{p}.self_attn.v_proj', qkv_bias).view(Bn, Tn, KV, Dh).transpose(1, 2)  # [B, KV, T, Dh]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if len(cache) > l:
                k = torch.cat([cache[l][0], k], 2)                                  # [B, KV, Tpast+T, Dh]
                v = torch.cat([cache[l][1], v], 2)
                cache[l] = (k, v)
            else:
                cache.append((k, v))
        k = k.repeat_interleave(H // KV, dim=1)                                     # [B, H, S, Dh]
        v = v.repeat_interleave(H // KV, dim=1)                                     # [B, H, S, Dh]
        s = (q @ k.transpose(-1, -2)) / math.sqrt(Dh)                               # [B, H, T, S]
        s = s.masked_fill(~causal, float('-inf'))
        a = torch.softmax(s, -1) @ v                                                # [B, H, T, Dh]
        a = a.transpose(1, 2).reshape(Bn, Tn, H * Dh)                               # [B, T, H·Dh]
        h = h + linear(a, P, f'{p}.self_attn.o_proj', o_bias)
        x = rms_norm(h, P[f'{p}.post_attention_layernorm.weight'], c['rms_norm_eps'])
        g = linear(x, P, f'{p}.mlp.gate_proj', False)                               # [B, T, F]
        u = linear(x, P, f'{p}.mlp.up_proj', False)                                 # [B, T, F]
        h = h + linear(g * torch.sigmoid(g) * u, P, f'{p}.mlp.down_proj', False)    # [B, T, D]
    if keep is not None: h = h[:, -keep:]                                          # [B, n, D]
    h = rms_norm(h, P['model.norm.weight'], c['rms_norm_eps'])
    head = P['model.embed_tokens.weight'] if c['tie_word_embeddings'] else P['lm_head.weight']
    return h @ head.T                                                               # [B, T, V]


def token_logprobs(logits, ids, temp):
    """logits [B,T,V], ids [B,T] → logprobs [B,T], entropy [B,T]; position t scored by the t−1 distribution."""
    lp = torch.log_softmax(logits[:, :-1] / temp, -1)                               # [B, T−1, V]
    tok = lp.gather(-1, ids[:, 1:, None])[..., 0]                                   # [B, T−1]
    ent = -(lp.exp() * lp).sum(-1)                                                  # [B, T−1]
    zero = logits.new_zeros(ids.shape[0], 1)
    return torch.cat([zero, tok], 1), torch.cat([zero, ent], 1)


def grpo_loss(logp, old, ref, adv, m, case):
    """All [B,T] except adv [B]. Returns loss, kl, clip low/high/region (scalars)."""
    A = adv[:, None]
    eps, eps_hi, beta, delta = case['epsilon'], case['epsilon_high'], case['beta'], case['delta']
    d = ref - logp
    k3 = torch.exp(d) - d - 1
    coef1 = torch.exp(logp - old)
    coef2 = torch.clamp(coef1, 1 - eps, 1 + eps_hi)
    if delta is not None:
        coef1 = torch.clamp(coef1, max=delta)
    ptl = -torch.min(coef1 * A, coef2 * A) + beta * k3
    active = m.sum()
    lt = case['loss_type']
    if lt == 'grpo':
        loss = ((ptl * m).sum(1) / m.sum(1).clamp(min=1)).mean()
    elif lt == 'bnpo':
        loss = (ptl * m).sum() / active.clamp(min=1)
    elif lt == 'dr_grpo':
        loss = (ptl * m).sum() / (m.shape[0] * case['max_completion_length'])
    elif lt == 'dapo':
        loss = (ptl * m).sum() / active
    else:
        raise ValueError(lt)
    mmean = lambda x: (x.to(torch.float64) * m).sum() / active
    low = (coef1 < 1 - eps) & (A < 0)
    high = (coef1 > 1 + eps_hi) & (A > 0)
    return loss, mmean(k3), mmean(low), mmean(high), mmean(low | high), (coef1.detach(), A)


# ---------------------------------------------------------------- fixture

def make_params(c, gen):
    P = {}
    for name, shape in param_specs(c):
        if name.endswith('norm.weight'):
            t = 1 + 0.1 * torch.randn(shape, generator=gen)
        else:
            t = 0.2 * torch.randn(shape, generator=gen)
        P[name] = t.to(torch.float32).to(torch.float64)                              # exactly the F32 file values
    return P


def make_batch(c, gen):
    V = c['vocab_size']
    ids = torch.full((B, T), PAD, dtype=torch.long)
    mask = torch.zeros(B, T)
    for b, (pl, cl) in enumerate(ROWS):
        ids[b, :pl + cl] = torch.randint(1, V, (pl + cl,), generator=gen)
        mask[b, pl:pl + cl] = 1
    return ids, mask


def draw_old_ref(logp, adv, mask, gen):
    """old/ref = true log-probs + U(−0.3, 0.3) on completion tokens, redrawn (deterministically from the seed)
    until, in every case, clipping fires on both sides and delta (when set) binds on some token."""
    A = adv[:, None]
    for _ in range(1000):
        old = logp + (torch.rand(B, T, generator=gen) * 0.6 - 0.3) * mask
        ref = logp + (torch.rand(B, T, generator=gen) * 0.6 - 0.3) * mask
        coef1 = torch.exp(logp - old)
        on = mask > 0
        ok = all(((coef1 < 1 - k['epsilon']) & (A < 0) & on).any() and
                 ((coef1 > 1 + k['epsilon_high']) & (A > 0) & on).any() and
                 (k['delta'] is None or ((coef1 > k['delta']) & (A < 0) & on).any()) for k in CASES)
        if ok: return old, ref
    sys.exit('no draw of old log-probs exercises every clipping branch')


def write_safetensors(path, tensors, dtype, metadata=None):
    """Minimal safetensors writer (the Python package is not in Debian)."""
    fmt = {'F32': ('<f', torch.float32, 4), 'F64': ('<d', torch.float64, 8)}[dtype]
    header, blobs, off = {}, [], 0
    if metadata: header['__metadata__'] = metadata
    for name, t in tensors.items():
        flat = t.detach().to(fmt[1]).contiguous().view(-1).tolist()
        blob = struct.pack(f'<{len(flat)}{fmt[0][1]}', *flat)
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for blob in blobs: f.write(blob)


def compact_json(obj):
    """JSON with one line per top-level field, per matrix row and per case (readable diffs)."""
    def val(v):
        if isinstance(v, list) and v and isinstance(v[0], (list, dict)):
            return '[\n' + ',\n'.join('    ' + json.dumps(r) for r in v) + '\n  ]'
        return json.dumps(v)
    return '{\n' + ',\n'.join(f'  {json.dumps(k)}: {val(v)}' for k, v in obj.items()) + '\n}\n'


def hf_config(name, c):
    arch = dict(qwen2='Qwen2ForCausalLM', qwen3='Qwen3ForCausalLM', mistral='MistralForCausalLM').get(c['model_type'], 'LlamaForCausalLM')
    out = dict(architectures=[arch], **c, hidden_act='silu', torch_dtype='float32', pad_token_id=PAD)
    if c['model_type'] == 'qwen2': del out['attention_bias']   # implied by qwen2
    return out


def generate(name, out_dir, seed, check):
    c = MODELS[name]
    gen = torch.Generator().manual_seed(seed)
    P = make_params(c, gen)
    ids, mask = make_batch(c, gen)
    names = [n for n, _ in param_specs(c)]

    with torch.no_grad():
        logits = forward(P, c, ids)
        logp, ent = token_logprobs(logits, ids, TEMPERATURE)
        if check:   # the KV-cached path (used by grpo_bench.py's sampler) agrees with the full forward
            cache = []
            steps = [forward(P, c, ids[:, :4], cache)] + [forward(P, c, ids[:, t:t + 1], cache) for t in range(4, T)]
            err = (torch.cat(steps, 1) - logits).abs().max().item()
            assert err < 1e-12, f'KV-cached forward differs by {err}'
            print(f'  {name}: KV-cached forward matches (max diff {err:.1e})')
    adv = torch.tensor(ADVANTAGES)
    old, ref = draw_old_ref(logp, adv, mask, gen)

    expected = {'logits': logits, 'logprobs': logp, 'entropy': ent}
    for case in CASES:
        Pg = {k: v.clone().requires_grad_(True) for k, v in P.items()}
        lp, _ = token_logprobs(forward(Pg, c, ids), ids, TEMPERATURE)
        loss, kl, low, high, region, (coef1, A) = grpo_loss(lp, old, ref, adv, mask, case)
        grads = torch.autograd.grad(loss, [Pg[n] for n in names])
        cn = case['name']
        expected[f'{cn}.loss'] = loss.detach().reshape(1)
        expected[f'{cn}.kl'] = kl.detach().reshape(1)
        expected[f'{cn}.clip_ratio.low_mean'] = low.reshape(1)
        expected[f'{cn}.clip_ratio.high_mean'] = high.reshape(1)
        expected[f'{cn}.clip_ratio.region_mean'] = region.reshape(1)
        for n, g in zip(names, grads): expected[f'{cn}.grad.{n}'] = g
        if check: finite_difference_check(P, c, ids, names, grads, lambda Q: grpo_loss(
            token_logprobs(forward(Q, c, ids), ids, TEMPERATURE)[0], old, ref, adv, mask, case)[0], f'{name}/{cn}')

    sft = lambda Q: -(torch.log_softmax(forward(Q, c, ids)[:, :-1], -1).gather(-1, ids[:, 1:, None])[..., 0]
                      * mask[:, 1:]).sum() / mask.sum()
    Pg = {k: v.clone().requires_grad_(True) for k, v in P.items()}
    loss = sft(Pg)
    grads = torch.autograd.grad(loss, [Pg[n] for n in names])
    expected['sft.loss'] = loss.detach().reshape(1)
    for n, g in zip(names, grads): expected[f'sft.grad.{n}'] = g
    if check: finite_difference_check(P, c, ids, names, grads, sft, f'{name}/sft')

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'config.json'), 'w') as f: json.dump(hf_config(name, c), f, indent=2)
    write_safetensors(os.path.join(out_dir, 'model.safetensors'), {n: P[n] for n in names}, 'F32', {'format': 'pt'})
    batch = dict(input_ids=ids.tolist(), completion_mask=mask.long().tolist(), advantages=ADVANTAGES,
                 old_logprobs=old.tolist(), ref_logprobs=ref.tolist(), temperature=TEMPERATURE, cases=CASES)
    with open(os.path.join(out_dir, 'batch.json'), 'w') as f: f.write(compact_json(batch))
    write_safetensors(os.path.join(out_dir, 'expected.safetensors'), expected, 'F64',
                      {'generator': 'tools/torch/reference.py', 'seed': str(seed), 'torch': torch.__version__})
    print(f'{name}: {len(names)} params, sft.loss {expected["sft.loss"].item():.6f}')
    for k in CASES:
        v = lambda s: expected[f'{k["name"]}.{s}'].item()
        print(f'  {k["name"]:17s} loss {v("loss"):+.6f}  kl {v("kl"):.6f}  clip low {v("clip_ratio.low_mean"):.4f}'
              f'  high {v("clip_ratio.high_mean"):.4f}  region {v("clip_ratio.region_mean"):.4f}')
    if name in LORA:
        generate_lora(c, P, ids, mask, old, ref, adv, os.path.join(out_dir, 'lora'), seed, check)


# ---------------------------------------------------------------- LoRA (PEFT layout)

LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']
LORA = {'qwen3': dict(r=4, lora_alpha=8.0, target_modules=LORA_TARGETS)}


def lora_specs(c, r, targets):
    """Adapter names and shapes in learner/lora loraSpecs order: layer-major, LORA_TARGETS order, A then B."""
    shapes = dict(param_specs(c))
    out = []
    for l in range(c['num_hidden_layers']):
        for t in LORA_TARGETS:
            if t not in targets: continue
            m = f'model.layers.{l}.{"mlp" if t in ("gate_proj", "up_proj", "down_proj") else "self_attn"}.{t}'
            O, I = shapes[m + '.weight']
            out += [(m + '.lora_A.weight', [r, I]), (m + '.lora_B.weight', [O, r])]
    return out


def generate_lora(c, P, ids, mask, old, ref, adv, out_dir, seed, check):
    """Adapters on every projection of the base model P (frozen): logits, log-probs and every case's loss and
    adapter gradients. B is drawn non-zero (PEFT starts it at 0, which would leave A's gradient 0)."""
    L = LORA['qwen3']
    gen = torch.Generator().manual_seed(seed + 1000)
    specs = lora_specs(c, L['r'], L['target_modules'])
    names = [n for n, _ in specs]
    A = {n: (0.2 * torch.randn(s, generator=gen)).to(torch.float32).to(torch.float64) for n, s in specs}
    scale = L['lora_alpha'] / L['r']
    with torch.no_grad():
        logits = forward({**P, **A, 'lora_scale': scale}, c, ids)
        logp, ent = token_logprobs(logits, ids, TEMPERATURE)
    expected = {'logits': logits, 'logprobs': logp, 'entropy': ent}
    for case in CASES:
        Ag = {k: v.clone().requires_grad_(True) for k, v in A.items()}
        Q = {**P, **Ag, 'lora_scale': scale}
        loss = grpo_loss(token_logprobs(forward(Q, c, ids), ids, TEMPERATURE)[0], old, ref, adv, mask, case)[0]
        grads = torch.autograd.grad(loss, [Ag[n] for n in names])
        expected[f'{case["name"]}.loss'] = loss.detach().reshape(1)
        for n, g in zip(names, grads): expected[f'{case["name"]}.grad.{n}'] = g
        if check: finite_difference_check(A, c, ids, names, grads, lambda Q2: grpo_loss(
            token_logprobs(forward({**P, **Q2, 'lora_scale': scale}, c, ids), ids, TEMPERATURE)[0], old, ref, adv, mask, case)[0],
            f'lora/{case["name"]}')
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, 'adapter_model.safetensors'), {'base_model.model.' + n: A[n] for n in names}, 'F32', {'format': 'pt'})
    cfg = dict(peft_type='LORA', task_type='CAUSAL_LM', base_model_name_or_path='..', r=L['r'], lora_alpha=L['lora_alpha'],
               lora_dropout=0.0, target_modules=L['target_modules'], bias='none', fan_in_fan_out=False, inference_mode=True,
               use_rslora=False, use_dora=False)
    with open(os.path.join(out_dir, 'adapter_config.json'), 'w') as f: json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(out_dir, 'expected.safetensors'), expected, 'F64',
                      {'generator': 'tools/torch/reference.py', 'seed': str(seed + 1000), 'torch': torch.__version__})
    print(f'  lora r={L["r"]} alpha={L["lora_alpha"]}: {len(names)} adapter tensors, '
          + ', '.join(f'{k["name"]} {expected[k["name"] + ".loss"].item():+.6f}' for k in CASES))


def finite_difference_check(P, c, ids, names, grads, loss_fn, label, n_entries=3, h=1e-6):
    """Central differences on a few entries of every parameter; float64, so agreement to ~1e-7 relative."""
    gen = torch.Generator().manual_seed(0)
    worst = 0.0
    with torch.no_grad():
        for n, g in zip(names, grads):
            for _ in range(n_entries):
                i = torch.randint(0, P[n].numel(), (1,), generator=gen).item()
                Q = {k: v.clone() for k, v in P.items()}
                Q[n].view(-1)[i] += h
                up = loss_fn(Q).item()
                Q[n].view(-1)[i] -= 2 * h
                down = loss_fn(Q).item()
                fd = (up - down) / (2 * h)
                an = g.view(-1)[i].item()
                err = abs(fd - an) / max(1e-6, abs(fd) + abs(an))
                worst = max(worst, err)
                if err > 1e-5 and abs(fd - an) > 1e-8:
                    sys.exit(f'{label}: {n}[{i}] autograd {an} vs finite difference {fd}')
    print(f'  {label}: finite differences agree (worst rel err {worst:.1e})')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'golden'))
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--check', action='store_true', help='verify gradients by finite differences')
    a = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    for i, name in enumerate(MODELS):
        generate(name, os.path.join(a.out, name), a.seed + i, a.check)


if __name__ == '__main__':
    main()
