namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>The architectures this system can run: checks a <see cref="MaeConfig"/> and names the field at fault.</summary>
public static class MaeConfigValidator
{
    /// <summary>Throws when <paramref name="config"/> is not a ViT-MAE this system can build.</summary>
    /// <param name="config">The configuration to check.</param>
    /// <param name="source">The file it came from, named in messages.</param>
    /// <exception cref="InvalidCheckpointException">A size is not positive, does not divide, or an option is unsupported.</exception>
    public static void Validate(MaeConfig config, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        RequirePositive(source, "hidden_size", config.HiddenSize);
        RequirePositive(source, "num_hidden_layers", config.NumHiddenLayers);
        RequirePositive(source, "num_attention_heads", config.NumAttentionHeads);
        RequirePositive(source, "intermediate_size", config.IntermediateSize);
        RequirePositive(source, "image_size", config.ImageSize);
        RequirePositive(source, "patch_size", config.PatchSize);
        RequirePositive(source, "num_channels", config.NumChannels);
        RequirePositive(source, "decoder_hidden_size", config.DecoderHiddenSize);
        RequirePositive(source, "decoder_num_hidden_layers", config.DecoderNumHiddenLayers);
        RequirePositive(source, "decoder_num_attention_heads", config.DecoderNumAttentionHeads);
        RequirePositive(source, "decoder_intermediate_size", config.DecoderIntermediateSize);

        if (config.ImageSize % config.PatchSize != 0)
        {
            throw Invalid(source, "image_size", $"{config.ImageSize}; it must be divisible by patch_size ({config.PatchSize}).");
        }

        if (config.HiddenSize % config.NumAttentionHeads != 0)
        {
            throw Invalid(source, "num_attention_heads", $"{config.NumAttentionHeads}; it must divide hidden_size ({config.HiddenSize}).");
        }

        if (config.DecoderHiddenSize % config.DecoderNumAttentionHeads != 0)
        {
            throw Invalid(source, "decoder_num_attention_heads",
                $"{config.DecoderNumAttentionHeads}; it must divide decoder_hidden_size ({config.DecoderHiddenSize}).");
        }

        if (config.HiddenAct != "gelu")
        {
            throw Invalid(source, "hidden_act",
                $"'{config.HiddenAct}'; only 'gelu' (the exact erf GELU) is supported.");
        }

        if (!(config.LayerNormEps > 0) || !double.IsFinite(config.LayerNormEps))
        {
            throw Invalid(source, "layer_norm_eps", $"{config.LayerNormEps}; it must be a positive number.");
        }

        if (!(config.MaskRatio >= 0 && config.MaskRatio < 1))
        {
            throw Invalid(source, "mask_ratio", $"{config.MaskRatio}; it must be at least 0 and below 1.");
        }
    }

    private static void RequirePositive(string source, string field, int value)
    {
        if (value <= 0)
        {
            throw Invalid(source, field, $"{value}; it must be positive.");
        }
    }

    private static InvalidCheckpointException Invalid(string source, string field, string problem) =>
        new($"{source}: field '{field}' is {problem}", source, field);
}
