namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>Hugging Face's random masking for one image, derived from its noise.</summary>
/// <param name="IdsShuffle">argsort(noise), ascending and stable: patch ids from most to least kept.</param>
/// <param name="IdsKeep">The first len_keep entries of <paramref name="IdsShuffle"/>, in that (kept) order.</param>
/// <param name="IdsRestore">argsort(IdsShuffle): for each patch, its position in the shuffled order.</param>
/// <param name="Mask">Per patch in original order: 1 if removed, 0 if kept.</param>
public sealed record ReferenceMask(int[] IdsShuffle, int[] IdsKeep, int[] IdsRestore, float[] Mask);
