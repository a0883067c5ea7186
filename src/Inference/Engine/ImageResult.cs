namespace Mae.Cluster.Inference.Engine;

/// <summary>
/// The outcome for one image: either embeddings, loss and mask, or an <see cref="Error"/> saying why it failed.
/// Arrays are empty for what was not computed.
/// </summary>
public sealed record ImageResult
{
    public required string Key { get; init; }

    /// <summary>Why the image failed (decode or validation); null when it succeeded.</summary>
    public string? Error { get; init; }

    public int Width { get; init; }
    public int Height { get; init; }

    /// <summary>CLS token after the final layernorm, from the unmasked pass.</summary>
    public float[] ClsEmbedding { get; init; } = [];

    /// <summary>Mean of the patch tokens after the final layernorm, from the unmasked pass.</summary>
    public float[] MeanEmbedding { get; init; } = [];

    /// <summary>
    /// The encoder's final hidden states, (1 + patches) × hidden row-major with the CLS token first; empty unless
    /// <see cref="MaeEngineOptions.KeepPatchTokens"/> is set.
    /// </summary>
    public float[] PatchTokens { get; init; } = [];

    /// <summary>Mean squared error over the masked patches; NaN when the loss was not computed.</summary>
    public float Loss { get; init; } = float.NaN;

    /// <summary>One value per patch: 1 = removed (masked), 0 = kept.</summary>
    public byte[] Mask { get; init; } = [];

    public bool Succeeded => Error is null;

    public static ImageResult Failed(string key, string error) => new() { Key = key, Error = error };
}
