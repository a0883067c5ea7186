namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>Everything the masked ViTMAEForPreTraining pass produces for one image.</summary>
/// <param name="Logits">Predicted patches, row-major [L × p·p·C], (p, q, c) order within a patch.</param>
/// <param name="Mask">Per patch: 1 if removed (and therefore in the loss), 0 if kept.</param>
/// <param name="IdsKeep">Kept patch ids in the order the encoder saw them.</param>
/// <param name="IdsRestore">For each patch, its position in the shuffled order.</param>
/// <param name="Loss">
/// Mean of <paramref name="PatchLosses"/> over the removed patches; NaN when no patch is removed (0/0, as in
/// Hugging Face).
/// </param>
/// <param name="PatchLosses">Per patch, the mean over p·p·C of (prediction − target)², for every patch.</param>
/// <param name="LastHiddenState">The masked encoder's output after <c>vit.layernorm</c>, [(1 + len_keep) × hidden_size].</param>
public sealed record ReferenceReconstruction(
    float[] Logits,
    float[] Mask,
    int[] IdsKeep,
    int[] IdsRestore,
    double Loss,
    double[] PatchLosses,
    float[] LastHiddenState);
