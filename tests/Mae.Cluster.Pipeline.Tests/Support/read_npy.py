"""Reads a job's img_emb/*.npy files with numpy (an independent reader) and pairs them with metadata/*.parquet
the way embedding-reader's parquet_npy format does: both folders globbed recursively, sorted, zipped by position.
Prints one JSON object: {"embeddings": [{path, dtype, shape, c_order, values}], "pairs": [[npy, parquet], ...]}."""
import glob
import json
import os
import sys

import numpy as np

root = sys.argv[1]


def listed(folder, extension):
    paths = glob.glob(os.path.join(root, folder, "**", "*." + extension), recursive=True)
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in paths)


embeddings = []
for relative in listed("img_emb", "npy"):
    array = np.load(os.path.join(root, relative), allow_pickle=False)
    embeddings.append({
        "path": relative,
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "c_order": bool(array.flags.c_contiguous),
        "values": array.astype(np.float64).tolist(),
    })

pairs = [list(p) for p in zip(listed("img_emb", "npy"), listed("metadata", "parquet"))]
json.dump({"embeddings": embeddings, "pairs": pairs, "parquet_count": len(listed("metadata", "parquet"))}, sys.stdout)
