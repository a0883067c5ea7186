namespace Mae.Cluster.Inference.Onnx;

/// <summary>The ONNX graphs built from a ViT-MAE checkpoint.</summary>
public enum MaeGraphKind
{
    /// <summary>Encoder on the full, unmasked image → CLS and mean-of-patches embeddings.</summary>
    Features,

    /// <summary>
    /// <see cref="Features"/> that also outputs the final hidden states (CLS and patch tokens). A graph of its own:
    /// ONNX Runtime computes every output of a graph whether fetched or not, so jobs that do not keep the tokens must
    /// not pay for their float32 copy.
    /// </summary>
    FeaturesWithTokens,

    /// <summary>Masked encoder + decoder → per-image reconstruction loss and predicted patches.</summary>
    Reconstruction,
}
