using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>What a tensor is for, which decides how test checkpoints fill it.</summary>
public enum MaeTensorRole
{
    /// <summary>cls_token or mask_token.</summary>
    Token,

    /// <summary>position_embeddings or decoder_pos_embed.</summary>
    PositionTable,

    /// <summary>A Linear weight [out, in] or the patch convolution's kernel [out, C, p, p].</summary>
    Weight,

    /// <summary>The bias of a Linear or of the patch convolution.</summary>
    Bias,

    /// <summary>A LayerNorm's scale (γ).</summary>
    NormScale,

    /// <summary>A LayerNorm's shift (β).</summary>
    NormShift,
}

/// <summary>One tensor a ViTMAEForPreTraining checkpoint holds.</summary>
public sealed record MaeTensorSpec(string Name, int[] Shape, MaeTensorRole Role)
{
    public int ElementCount => Shape.Aggregate(1, (product, dimension) => product * dimension);
}

/// <summary>
/// Every tensor of a Hugging Face ViTMAEForPreTraining checkpoint for a config, in a fixed order (the order
/// <see cref="RandomMaeCheckpoint"/> draws them in, which the golden-value script mirrors).
/// </summary>
public static class MaeTensorLayout
{
    public static IReadOnlyList<MaeTensorSpec> For(MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var hidden = config.HiddenSize;
        var decoderHidden = config.DecoderHiddenSize;
        var specs = new List<MaeTensorSpec>
        {
            new("vit.embeddings.cls_token", [1, 1, hidden], MaeTensorRole.Token),
            new("vit.embeddings.position_embeddings", [1, config.NumPatches + 1, hidden], MaeTensorRole.PositionTable),
            new(
                "vit.embeddings.patch_embeddings.projection.weight",
                [hidden, config.NumChannels, config.PatchSize, config.PatchSize],
                MaeTensorRole.Weight),
            new("vit.embeddings.patch_embeddings.projection.bias", [hidden], MaeTensorRole.Bias),
        };
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            AddLayer(specs, $"vit.encoder.layer.{layer}.", hidden, config.IntermediateSize, config.QkvBias);
        }

        specs.Add(new("vit.layernorm.weight", [hidden], MaeTensorRole.NormScale));
        specs.Add(new("vit.layernorm.bias", [hidden], MaeTensorRole.NormShift));
        specs.Add(new("decoder.mask_token", [1, 1, decoderHidden], MaeTensorRole.Token));
        specs.Add(new("decoder.decoder_pos_embed", [1, config.NumPatches + 1, decoderHidden], MaeTensorRole.PositionTable));
        specs.Add(new("decoder.decoder_embed.weight", [decoderHidden, hidden], MaeTensorRole.Weight));
        specs.Add(new("decoder.decoder_embed.bias", [decoderHidden], MaeTensorRole.Bias));
        for (var layer = 0; layer < config.DecoderNumHiddenLayers; layer++)
        {
            AddLayer(specs, $"decoder.decoder_layers.{layer}.", decoderHidden, config.DecoderIntermediateSize, config.QkvBias);
        }

        specs.Add(new("decoder.decoder_norm.weight", [decoderHidden], MaeTensorRole.NormScale));
        specs.Add(new("decoder.decoder_norm.bias", [decoderHidden], MaeTensorRole.NormShift));
        specs.Add(new("decoder.decoder_pred.weight", [config.PatchDim, decoderHidden], MaeTensorRole.Weight));
        specs.Add(new("decoder.decoder_pred.bias", [config.PatchDim], MaeTensorRole.Bias));
        return specs;
    }

    private static void AddLayer(List<MaeTensorSpec> specs, string prefix, int hidden, int intermediate, bool qkvBias)
    {
        foreach (var projection in new[] { "query", "key", "value" })
        {
            specs.Add(new($"{prefix}attention.attention.{projection}.weight", [hidden, hidden], MaeTensorRole.Weight));
            if (qkvBias)
            {
                specs.Add(new($"{prefix}attention.attention.{projection}.bias", [hidden], MaeTensorRole.Bias));
            }
        }

        specs.Add(new($"{prefix}attention.output.dense.weight", [hidden, hidden], MaeTensorRole.Weight));
        specs.Add(new($"{prefix}attention.output.dense.bias", [hidden], MaeTensorRole.Bias));
        specs.Add(new($"{prefix}intermediate.dense.weight", [intermediate, hidden], MaeTensorRole.Weight));
        specs.Add(new($"{prefix}intermediate.dense.bias", [intermediate], MaeTensorRole.Bias));
        specs.Add(new($"{prefix}output.dense.weight", [hidden, intermediate], MaeTensorRole.Weight));
        specs.Add(new($"{prefix}output.dense.bias", [hidden], MaeTensorRole.Bias));
        specs.Add(new($"{prefix}layernorm_before.weight", [hidden], MaeTensorRole.NormScale));
        specs.Add(new($"{prefix}layernorm_before.bias", [hidden], MaeTensorRole.NormShift));
        specs.Add(new($"{prefix}layernorm_after.weight", [hidden], MaeTensorRole.NormScale));
        specs.Add(new($"{prefix}layernorm_after.bias", [hidden], MaeTensorRole.NormShift));
    }
}
