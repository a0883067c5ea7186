"""Reads every .npy folder of a job's output (img_emb/, mean_emb/, patch_tokens/) with numpy (an independent reader)
and pairs img_emb/ with metadata/*.parquet the way embedding-reader's parquet_npy format does: both folders globbed
recursively, sorted, zipped by position. Each array's values come back one flat list per row (an [N, T, D] array as
N rows of T*D), with its true shape beside them.
Prints one JSON object: {"arrays": [{path, dtype, shape, c_order, values}], "pairs": [[npy, parquet], ...]}."""
import glob
import json
import os
import sys

import numpy as np

root = sys.argv[1]


def listed(folder, extension):
    paths = glob.glob(os.path.join(root, folder, "**", "*." + extension), recursive=True)
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in paths)


arrays = []
for relative in sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in glob.glob(os.path.join(root, "*", "**", "*.npy"), recursive=True)):
    array = np.load(os.path.join(root, relative), allow_pickle=False)
    arrays.append({
        "path": relative,
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "c_order": bool(array.flags.c_contiguous),
        "values": array.reshape(array.shape[0], int(np.prod(array.shape[1:]))).astype(np.float64).tolist(),
    })

pairs = [list(p) for p in zip(listed("img_emb", "npy"), listed("metadata", "parquet"))]
json.dump({"arrays": arrays, "pairs": pairs, "parquet_count": len(listed("metadata", "parquet"))}, sys.stdout)
