"""Largest differences between two `mae embed --json` outputs (e.g. CPU fp32 vs CUDA fp32/fp16)."""
import json, sys
import numpy as np

a = {r["key"]: r for r in map(json.loads, open(sys.argv[1]))}
b = {r["key"]: r for r in map(json.loads, open(sys.argv[2]))}
worst_cls = worst_loss = 0.0
cos_min = 1.0
for k, ra in a.items():
    rb = b.get(k)
    if rb is None or "error" in ra or "error" in rb:
        continue
    x, y = np.array(ra["embedding"]), np.array(rb["embedding"])
    worst_cls = max(worst_cls, float(np.abs(x - y).max()))
    cos_min = min(cos_min, float(x @ y / np.linalg.norm(x) / np.linalg.norm(y)))
    worst_loss = max(worst_loss, abs(ra["mae_loss"] - rb["mae_loss"]) / abs(ra["mae_loss"]))
print(f"{sys.argv[1]} vs {sys.argv[2]}: images {len(a)}, max|dCLS| {worst_cls:.2e}, min cosine {cos_min:.6f}, max rel dLoss {worst_loss:.2e}")
