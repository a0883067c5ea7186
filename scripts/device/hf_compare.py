"""Compare `mae embed --json` output with Hugging Face transformers on the same checkpoint and images.

Usage: python3 hf_compare.py CHECKPOINT_DIR RESULTS.jsonl IMAGE... --seed S
Preprocesses as ViTImageProcessor's reference (PIL) path does — convert("RGB"), PIL bilinear resize, rescale,
normalise — (transformers 5 defaults to a torchvision-based processor, whose resize differs), then runs
ViTMAEForPreTraining (reconstruction loss, with the documented mae-mask/v1 noise) and the encoder without masking
(CLS and mean embeddings) in float64, and prints the largest differences per image.
"""
import argparse, hashlib, json, os, sys

import numpy as np
import torch
from PIL import Image
from transformers import ViTMAEForPreTraining


def mae_noise(seed, key, n):
    return np.array([(int.from_bytes(hashlib.sha256(f"mae-mask/v1/{seed}/{j}/{key}".encode()).digest()[:8], "little") >> 11) / 2**53
                     for j in range(n)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("results")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    pre = json.load(open(os.path.join(args.checkpoint, "preprocessor_config.json")))
    size = pre.get("size", 224)
    height, width = (size["height"], size["width"]) if isinstance(size, dict) else (size, size)
    mean = np.array(pre.get("image_mean", [0.5] * 3)).reshape(3, 1, 1)
    std = np.array(pre.get("image_std", [0.5] * 3)).reshape(3, 1, 1)

    def preprocess(path):
        rgb = Image.open(path).convert("RGB").resize((width, height), Image.BILINEAR)
        chw = np.asarray(rgb, dtype=np.float32).transpose(2, 0, 1) * np.float32(1 / 255)
        return torch.from_numpy(((chw - mean) / std)[None])
    model = ViTMAEForPreTraining.from_pretrained(args.checkpoint).double().eval()
    ours = {}
    for line in open(args.results):
        row = json.loads(line)
        ours[row["key"]] = row
    L = model.config.num_patches if hasattr(model.config, "num_patches") else (model.config.image_size // model.config.patch_size) ** 2
    worst = {"cls": 0.0, "mean": 0.0, "loss_rel": 0.0}
    for path in args.images:
        key = os.path.basename(path)
        if key not in ours or "error" in ours[key]:
            print(f"{key}: no result in {args.results}")
            continue
        pixels = preprocess(path).double()
        noise = torch.from_numpy(mae_noise(args.seed, key, L))[None]
        with torch.no_grad():
            out = model(pixel_values=pixels, noise=noise)
            target = model.patchify(pixels)
            if model.config.norm_pix_loss:
                mean = target.mean(dim=-1, keepdim=True)
                var = target.var(dim=-1, keepdim=True)
                target = (target - mean) / (var + 1.0e-6) ** 0.5
            per_patch = ((out.logits - target) ** 2).mean(dim=-1)
            loss = float((per_patch * out.mask).sum() / out.mask.sum())
            # Features: the encoder on every patch in order (mask_ratio 0, identity noise).
            ratio = model.vit.embeddings.config.mask_ratio
            model.vit.embeddings.config.mask_ratio = 0.0
            hidden = model.vit(pixel_values=pixels, noise=torch.arange(L, dtype=torch.float64)[None]).last_hidden_state
            model.vit.embeddings.config.mask_ratio = ratio
        cls = hidden[0, 0].numpy()
        mean_emb = hidden[0, 1:].mean(dim=0).numpy()
        mask_same = list(map(int, out.mask[0].tolist())) == ours[key]["mask"]
        d_cls = float(np.abs(cls - np.array(ours[key]["embedding"])).max())
        d_mean = float(np.abs(mean_emb - np.array(ours[key]["mean_embedding"])).max())
        d_loss = abs(loss - ours[key]["mae_loss"]) / abs(loss)
        worst["cls"], worst["mean"], worst["loss_rel"] = max(worst["cls"], d_cls), max(worst["mean"], d_mean), max(worst["loss_rel"], d_loss)
        print(f"{key}: mask {'same' if mask_same else 'DIFFERENT'}, max|dCLS| {d_cls:.2e}, max|dMean| {d_mean:.2e}, loss HF {loss:.6f} ours {ours[key]['mae_loss']:.6f} rel {d_loss:.2e}")
    print("worst:", json.dumps(worst))


if __name__ == "__main__":
    main()
