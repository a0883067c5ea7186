using System.Text;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Writes seeded random ViT-MAE checkpoints in the Hugging Face layout, for tests, offline demos and
/// benchmarks. The same seed and config always give byte-identical files.
/// </summary>
/// <remarks>
/// Each tensor draws from its own SplitMix64 stream, started at FNV-1a-64(tensor name) XOR
/// SplitMix64.Mix(seed), so a tensor's values do not depend on which other tensors exist. Values
/// (U(±a) is uniform on [−a, a)): Linear and patch-projection weights U(±√(3/fan_in)), which keeps activations
/// at unit variance so mistakes show; biases U(±0.1); layer-norm weights 1 + U(±0.2) and biases U(±0.1);
/// cls_token and mask_token U(±0.5); both position tables exactly MAE's fixed 2-D sin-cos table
/// (<see cref="SinCosPositionTable"/>).
/// </remarks>
public static class TinyCheckpoint
{
    /// <summary>A small model at vit-mae-base's image and patch size: 196 patches, widths 64 and 32.</summary>
    public static MaeConfig DefaultConfig { get; } = new()
    {
        ImageSize = 224,
        PatchSize = 16,
        HiddenSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        IntermediateSize = 128,
        DecoderHiddenSize = 32,
        DecoderNumHiddenLayers = 2,
        DecoderNumAttentionHeads = 4,
        DecoderIntermediateSize = 64,
        MaskRatio = 0.75,
        NormPixLoss = false,
    };

    /// <summary>vit-mae-base's full architecture (the <c>base-random</c> benchmark model, 448 MB).</summary>
    public static MaeConfig BaseSizedConfig => MaeConfig.Base;

    /// <summary>
    /// Writes config.json, preprocessor_config.json and an fp32 model.safetensors for <paramref name="config"/>
    /// (default <see cref="DefaultConfig"/>) into <paramref name="directory"/>, all at once: a concurrent reader
    /// never sees a partial checkpoint. An existing directory is replaced unless it already holds the same files.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">The config is not one this system can run.</exception>
    public static void Write(string directory, int seed = 0, MaeConfig? config = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        config ??= DefaultConfig;
        RequireWritable(config);
        AtomicDirectory.Publish(directory, staging => WriteFiles(staging, seed, config));
    }

    /// <summary>Writes a random checkpoint with vit-mae-base's architecture (<see cref="BaseSizedConfig"/>).</summary>
    public static void WriteBaseSized(string directory, int seed = 0) => Write(directory, seed, BaseSizedConfig);

    /// <summary>The preprocessing a generated checkpoint states: vit-mae-base's, at the model's image size.</summary>
    public static PreprocessorConfig PreprocessorFor(MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var preprocessor = PreprocessorConfig.Default with { Height = config.ImageSize, Width = config.ImageSize };
        return config.NumChannels == preprocessor.ImageMean.Count
            ? preprocessor
            : preprocessor with
            {
                ImageMean = Enumerable.Repeat(0.5f, config.NumChannels).ToArray(),
                ImageStd = Enumerable.Repeat(0.5f, config.NumChannels).ToArray(),
            };
    }

    /// <summary>The values a generated checkpoint holds for <paramref name="tensor"/>, row-major.</summary>
    public static float[] CreateValues(ExpectedTensor tensor, MaeConfig config, int seed)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(config);
        if (tensor.Role == TensorRole.PositionTable)
        {
            return SinCosPositionTable.Create(tensor.Shape[^1], config.GridSize);
        }

        var random = new SplitMix64(Fnv1a64(tensor.Name) ^ SplitMix64.Mix((ulong)(long)seed));
        var values = new float[tensor.ElementCount];
        var (center, bound) = tensor.Role switch
        {
            TensorRole.LinearWeight => (0.0, Math.Sqrt(3.0 / tensor.FanIn)),
            TensorRole.LinearBias => (0.0, 0.1),
            TensorRole.LayerNormWeight => (1.0, 0.2),
            TensorRole.LayerNormBias => (0.0, 0.1),
            TensorRole.Token => (0.0, 0.5),
            _ => throw new ArgumentOutOfRangeException(nameof(tensor), tensor.Role, "No initialisation for this role."),
        };
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(center + random.NextSymmetric(bound));
        }

        return values;
    }

    private static void RequireWritable(MaeConfig config)
    {
        const string source = "TinyCheckpoint config";
        MaeConfigValidator.Validate(config, source);
        if (config.HiddenSize % 4 != 0)
        {
            throw new InvalidCheckpointException(
                $"{source}: field 'hidden_size' is {config.HiddenSize}; the 2-D sin-cos position table needs a multiple of 4.",
                source, "hidden_size");
        }

        if (config.DecoderHiddenSize % 4 != 0)
        {
            throw new InvalidCheckpointException(
                $"{source}: field 'decoder_hidden_size' is {config.DecoderHiddenSize}; the 2-D sin-cos position table needs a multiple of 4.",
                source, "decoder_hidden_size");
        }
    }

    private static void WriteFiles(string directory, int seed, MaeConfig config)
    {
        File.WriteAllBytes(Path.Combine(directory, MaeConfigJson.FileName), MaeConfigJson.Serialize(config));
        File.WriteAllBytes(Path.Combine(directory, PreprocessorConfigJson.FileName), PreprocessorConfigJson.Serialize(PreprocessorFor(config)));

        var expected = MaeCheckpointLayout.ExpectedTensors(config).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var entries = expected.Values.Select(t => new SafetensorsEntry(t.Name, t.Shape)).ToList();
        using var weights = new FileStream(Path.Combine(directory, MaeCheckpoint.WeightsFileName), FileMode.CreateNew,
            FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        SafetensorsWriter.Write(weights, entries, name => CreateValues(expected[name], config, seed));
    }

    private static ulong Fnv1a64(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 0x100000001B3UL;
        }

        return hash;
    }
}
