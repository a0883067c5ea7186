namespace Mae.Cluster.Inference.Onnx;

/// <summary>The two ONNX graphs built from a ViT-MAE checkpoint.</summary>
public enum MaeGraphKind
{
    /// <summary>Encoder on the full, unmasked image → CLS and mean-of-patches embeddings.</summary>
    Features,

    /// <summary>Masked encoder + decoder → per-image reconstruction loss and predicted patches.</summary>
    Reconstruction,
}
