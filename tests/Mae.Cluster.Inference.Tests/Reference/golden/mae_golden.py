"""Golden values for ReferenceMaeTests, computed a second, independent way.

This is a float64 numpy transcription of Hugging Face's ViTMAEForPreTraining forward (modeling_vit_mae.py):
the same reshape/einsum patchify, the convolution as one tensordot over (c, kh, kw), argsort + gather for the
masking, LayerNorm/attention/GELU as torch defines them. It regenerates RandomMaeCheckpoint's weights and pixels
bit for bit from numpy's legacy MT19937, so the C# loops and this script see identical inputs.

Run with any Python that has numpy (the Debian one here has 1.24):  /usr/bin/python3 mae_golden.py
The tests hard-code the numbers it prints; rerun it only if the layout, initialisation or configs change.
"""
import math

import numpy as np

erf = np.vectorize(math.erf)


def layout(cfg):
    """(name, shape, role) in MaeTensorLayout.For order."""
    D, Dd, L = cfg["hidden"], cfg["dec_hidden"], (cfg["image"] // cfg["patch"]) ** 2
    specs = [
        ("vit.embeddings.cls_token", (1, 1, D), "token"),
        ("vit.embeddings.position_embeddings", (1, L + 1, D), "pos"),
        ("vit.embeddings.patch_embeddings.projection.weight", (D, cfg["channels"], cfg["patch"], cfg["patch"]), "weight"),
        ("vit.embeddings.patch_embeddings.projection.bias", (D,), "bias"),
    ]

    def layer(prefix, h, inter):
        for proj in ("query", "key", "value"):
            specs.append((f"{prefix}attention.attention.{proj}.weight", (h, h), "weight"))
            specs.append((f"{prefix}attention.attention.{proj}.bias", (h,), "bias"))
        specs.extend([
            (f"{prefix}attention.output.dense.weight", (h, h), "weight"),
            (f"{prefix}attention.output.dense.bias", (h,), "bias"),
            (f"{prefix}intermediate.dense.weight", (inter, h), "weight"),
            (f"{prefix}intermediate.dense.bias", (inter,), "bias"),
            (f"{prefix}output.dense.weight", (h, inter), "weight"),
            (f"{prefix}output.dense.bias", (h,), "bias"),
            (f"{prefix}layernorm_before.weight", (h,), "scale"),
            (f"{prefix}layernorm_before.bias", (h,), "shift"),
            (f"{prefix}layernorm_after.weight", (h,), "scale"),
            (f"{prefix}layernorm_after.bias", (h,), "shift"),
        ])

    for n in range(cfg["layers"]):
        layer(f"vit.encoder.layer.{n}.", D, cfg["inter"])
    specs += [
        ("vit.layernorm.weight", (D,), "scale"),
        ("vit.layernorm.bias", (D,), "shift"),
        ("decoder.mask_token", (1, 1, Dd), "token"),
        ("decoder.decoder_pos_embed", (1, L + 1, Dd), "pos"),
        ("decoder.decoder_embed.weight", (Dd, D), "weight"),
        ("decoder.decoder_embed.bias", (Dd,), "bias"),
    ]
    for n in range(cfg["dec_layers"]):
        layer(f"decoder.decoder_layers.{n}.", Dd, cfg["dec_inter"])
    specs += [
        ("decoder.decoder_norm.weight", (Dd,), "scale"),
        ("decoder.decoder_norm.bias", (Dd,), "shift"),
        ("decoder.decoder_pred.weight", (cfg["patch"] ** 2 * cfg["channels"], Dd), "weight"),
        ("decoder.decoder_pred.bias", (cfg["patch"] ** 2 * cfg["channels"],), "bias"),
    ]
    return specs


def random_weights(cfg, seed):
    rs = np.random.RandomState(seed)
    weights = {}
    for name, shape, role in layout(cfg):
        n = int(np.prod(shape))
        if role == "weight":
            offset, scale = 0.0, 1.0 / math.sqrt(n // shape[0])
        elif role in ("bias", "shift"):
            offset, scale = 0.0, 0.1
        elif role == "scale":
            offset, scale = 1.0, 0.2
        else:
            offset, scale = 0.0, 0.5
        u = rs.uniform(size=n)
        # float32 storage, then widened: the reference computes in double from fp32 weights.
        weights[name] = (offset + scale * (2.0 * u - 1.0)).astype(np.float32).astype(np.float64).reshape(shape)
    return weights


def pixels(cfg, seed):
    u = np.random.RandomState(seed).uniform(size=cfg["channels"] * cfg["image"] ** 2)
    return (2.0 * u - 1.0).astype(np.float32).astype(np.float64).reshape(cfg["channels"], cfg["image"], cfg["image"])


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def linear(x, w, b):
    return x @ w.T + b


def vit_layer(x, W, prefix, heads, eps):
    h = layer_norm(x, W[prefix + "layernorm_before.weight"], W[prefix + "layernorm_before.bias"], eps)
    n, d = h.shape
    dh = d // heads

    def split(t):
        return t.reshape(n, heads, dh).transpose(1, 0, 2)

    q = split(linear(h, W[prefix + "attention.attention.query.weight"], W[prefix + "attention.attention.query.bias"]))
    k = split(linear(h, W[prefix + "attention.attention.key.weight"], W[prefix + "attention.attention.key.bias"]))
    v = split(linear(h, W[prefix + "attention.attention.value.weight"], W[prefix + "attention.attention.value.bias"]))
    scores = q @ k.transpose(0, 2, 1) * dh ** -0.5
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    probs = scores / scores.sum(-1, keepdims=True)
    ctx = (probs @ v).transpose(1, 0, 2).reshape(n, d)
    x = linear(ctx, W[prefix + "attention.output.dense.weight"], W[prefix + "attention.output.dense.bias"]) + x
    h = layer_norm(x, W[prefix + "layernorm_after.weight"], W[prefix + "layernorm_after.bias"], eps)
    h = linear(h, W[prefix + "intermediate.dense.weight"], W[prefix + "intermediate.dense.bias"])
    h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
    return linear(h, W[prefix + "output.dense.weight"], W[prefix + "output.dense.bias"]) + x


def patch_embed(cfg, W, px):
    p, G, C = cfg["patch"], cfg["image"] // cfg["patch"], cfg["channels"]
    # Conv2d(kernel p, stride p) == per-patch tensordot over (c, kh, kw).
    blocks = px.reshape(C, G, p, G, p).transpose(1, 3, 0, 2, 4)  # (row, col, c, kh, kw)
    out = np.tensordot(blocks, W["vit.embeddings.patch_embeddings.projection.weight"], axes=([2, 3, 4], [1, 2, 3]))
    return out.reshape(G * G, -1) + W["vit.embeddings.patch_embeddings.projection.bias"]


def encoder(cfg, W, x):
    for n in range(cfg["layers"]):
        x = vit_layer(x, W, f"vit.encoder.layer.{n}.", cfg["heads"], cfg["eps"])
    return layer_norm(x, W["vit.layernorm.weight"], W["vit.layernorm.bias"], cfg["eps"])


def features(cfg, W, px):
    pos = W["vit.embeddings.position_embeddings"][0]
    emb = patch_embed(cfg, W, px) + pos[1:]
    cls = W["vit.embeddings.cls_token"][0] + pos[:1]
    h = encoder(cfg, W, np.concatenate([cls, emb], 0))
    return h[0], h[1:].mean(0)


def patchify(cfg, px):
    p, C = cfg["patch"], cfg["channels"]
    G = cfg["image"] // p
    t = px.reshape(1, C, G, p, G, p)
    t = np.einsum("nchpwq->nhwpqc", t)
    return t.reshape(G * G, p * p * C)


def pretraining(cfg, W, px, noise, norm_pix_loss):
    L = noise.shape[0]
    pos = W["vit.embeddings.position_embeddings"][0]
    emb = patch_embed(cfg, W, px) + pos[1:]
    len_keep = int(L * (1 - cfg["mask_ratio"]))
    ids_shuffle = np.argsort(noise, kind="stable")
    ids_restore = np.argsort(ids_shuffle, kind="stable")
    ids_keep = ids_shuffle[:len_keep]
    kept = emb[ids_keep]
    mask = np.ones(L)
    mask[:len_keep] = 0
    mask = mask[ids_restore]
    cls = W["vit.embeddings.cls_token"][0] + pos[:1]
    latent = encoder(cfg, W, np.concatenate([cls, kept], 0))

    x = linear(latent, W["decoder.decoder_embed.weight"], W["decoder.decoder_embed.bias"])
    mask_tokens = np.repeat(W["decoder.mask_token"][0], L + 1 - x.shape[0], axis=0)
    x_ = np.concatenate([x[1:], mask_tokens], 0)[ids_restore]
    x = np.concatenate([x[:1], x_], 0) + W["decoder.decoder_pos_embed"][0]
    for n in range(cfg["dec_layers"]):
        x = vit_layer(x, W, f"decoder.decoder_layers.{n}.", cfg["dec_heads"], cfg["eps"])
    x = layer_norm(x, W["decoder.decoder_norm.weight"], W["decoder.decoder_norm.bias"], cfg["eps"])
    logits = linear(x, W["decoder.decoder_pred.weight"], W["decoder.decoder_pred.bias"])[1:]

    target = patchify(cfg, px)
    if norm_pix_loss:
        mean = target.mean(-1, keepdims=True)
        var = target.var(-1, keepdims=True, ddof=1)
        target = (target - mean) / (var + 1.0e-6) ** 0.5
    loss = ((logits - target) ** 2).mean(-1)
    return logits, latent, (loss * mask).sum() / mask.sum()


SMALL = dict(image=32, patch=8, channels=3, hidden=32, layers=2, heads=4, inter=64,
             dec_hidden=16, dec_layers=2, dec_heads=2, dec_inter=32, eps=1e-12, mask_ratio=0.75)
WIDE_PATCH = dict(image=48, patch=16, channels=3, hidden=24, layers=1, heads=3, inter=48,
                  dec_hidden=20, dec_layers=1, dec_heads=4, dec_inter=40, eps=1e-6, mask_ratio=0.5)


def report(label, cfg, weight_seed, pixel_seed, noise_seed):
    W = random_weights(cfg, weight_seed)
    px = pixels(cfg, pixel_seed)
    L = (cfg["image"] // cfg["patch"]) ** 2
    noise = np.random.RandomState(noise_seed).uniform(size=L)
    cls, mean = features(cfg, W, px)
    logits, latent, loss = pretraining(cfg, W, px, noise, False)
    _, _, loss_norm = pretraining(cfg, W, px, noise, True)
    print(f"== {label}: weights seed {weight_seed}, pixels seed {pixel_seed}, noise seed {noise_seed}")
    print("cls[:4]      ", [repr(v) for v in cls[:4]])
    print("mean[:4]     ", [repr(v) for v in mean[:4]])
    print("latent[0,:3] ", [repr(v) for v in latent[0, :3]])
    print("latent[1,:3] ", [repr(v) for v in latent[1, :3]])
    print("logits[0,:3] ", [repr(v) for v in logits[0, :3]])
    print("logits[L-1,-3:]", [repr(v) for v in logits[-1, -3:]])
    print("loss         ", repr(loss))
    print("loss norm_pix", repr(loss_norm))


if __name__ == "__main__":
    report("SMALL", SMALL, 7, 8, 2)
    report("WIDE_PATCH", WIDE_PATCH, 11, 12, 13)
