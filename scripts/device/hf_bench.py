"""The peer figure for `mae-bench model`: Hugging Face transformers' own ViT-MAE on the same GPU and checkpoint.

Usage: python3 hf_bench.py CHECKPOINT_DIR BATCHES(comma-separated) [ITERATIONS]
Times ViTMAEModel with masking off (the embeddings a job writes: the features graph's work) and ViTMAEForPreTraining
at the checkpoint's mask ratio (the loss: the reconstruction graph's work), PyTorch eager in float16 on CUDA, with
SDPA attention where this transformers version offers it (else eager attention, said in the table). Inputs are
random pixel tensors already on the device, as `mae-bench model` times pre-made tensors; the best of ITERATIONS
timed runs after a warm-up is reported. Prints a Markdown table.
"""
import sys
import time

import torch
import transformers
from transformers import ViTMAEForPreTraining, ViTMAEModel


def load(cls, path, **overrides):
    for attention in ("sdpa", "eager"):
        try:
            model = cls.from_pretrained(path, torch_dtype=torch.float16, attn_implementation=attention, **overrides)
            return model.cuda().eval(), attention
        except (TypeError, ValueError, ImportError):
            continue
    return cls.from_pretrained(path, torch_dtype=torch.float16, **overrides).cuda().eval(), "default"


def best_seconds(run, iterations):
    run()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(iterations):
        start = time.perf_counter()
        run()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    path, batches = sys.argv[1], [int(b) for b in sys.argv[2].split(",")]
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    features, attention = load(ViTMAEModel, path, mask_ratio=0.0)
    pretraining, _ = load(ViTMAEForPreTraining, path)
    size = features.config.image_size
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, {torch.cuda.get_device_name()}, fp16, attention {attention}")
    print("| graph (PyTorch eager) | batch | images/s |")
    print("|---|---:|---:|")
    with torch.inference_mode():
        for batch in batches:
            pixels = torch.randn(batch, 3, size, size, device="cuda", dtype=torch.float16)
            f = best_seconds(lambda: features(pixel_values=pixels), iterations)
            r = best_seconds(lambda: pretraining(pixel_values=pixels), iterations)
            print(f"| ViTMAEModel, no masking (embeddings) | {batch} | {batch / f:.1f} |")
            print(f"| ViTMAEForPreTraining (loss) | {batch} | {batch / r:.1f} |")
            print(f"| both, one after the other | {batch} | {batch / (f + r):.1f} |")
            del pixels
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
