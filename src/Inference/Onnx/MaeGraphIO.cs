namespace Mae.Cluster.Inference.Onnx;

/// <summary>Input and output names of the built graphs; the contract between builder and session.</summary>
public static class MaeGraphIO
{
    /// <summary>float32 [batch, channels, height, width], normalised as ViTImageProcessor does.</summary>
    public const string PixelValues = "pixel_values";

    /// <summary>int64 [batch, kept]: patch ids the encoder keeps, in shuffle order.</summary>
    public const string IdsKeep = "ids_keep";

    /// <summary>int64 [batch, patches]: argsort of the shuffle, restoring original patch order.</summary>
    public const string IdsRestore = "ids_restore";

    /// <summary>float32 [batch, patches]: 1 for a removed (masked) patch, 0 for a kept one.</summary>
    public const string Mask = "mask";

    /// <summary>float32 [batch, hidden]: CLS token after the final layernorm (features graph).</summary>
    public const string ClsEmbedding = "cls_embedding";

    /// <summary>float32 [batch, hidden]: mean of the patch tokens after the final layernorm (features graph).</summary>
    public const string MeanEmbedding = "mean_embedding";

    /// <summary>float32 [batch, 1 + patches, hidden]: the encoder's final hidden states, CLS first (features graph with tokens).</summary>
    public const string LastHiddenState = "last_hidden_state";

    /// <summary>float32 [batch]: mean squared error over the masked patches (reconstruction graph).</summary>
    public const string Loss = "loss";

    /// <summary>float32 [batch, patches, patch_dim]: the decoder's predicted patches (reconstruction graph).</summary>
    public const string PredictedPatches = "predicted_patches";
}
