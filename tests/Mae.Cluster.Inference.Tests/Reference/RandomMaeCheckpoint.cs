using System.Security.Cryptography;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>
/// In-memory checkpoints with every tensor a config needs, for tests that must not depend on downloaded weights.
/// Values come from <see cref="NumpyMt19937"/> so that numpy can regenerate them bit for bit
/// (Reference/golden/mae_golden.py).
/// </summary>
public static class RandomMaeCheckpoint
{
    /// <summary>
    /// Random weights scaled so activations stay of order one: each tensor, in <see cref="MaeTensorLayout"/> order,
    /// takes the next uniform draws u and stores (float)(offset + scale·(2u − 1)) with, by role, Weight: 0 ± 1/√fan_in,
    /// Bias and NormShift: 0 ± 0.1, NormScale: 1 ± 0.2, Token and PositionTable: 0 ± 0.5.
    /// </summary>
    public static MaeCheckpoint Create(MaeConfig config, uint seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        var random = new NumpyMt19937(seed);
        var tensors = new Dictionary<string, TensorData>();
        foreach (var spec in MaeTensorLayout.For(config))
        {
            var (offset, scale) = spec.Role switch
            {
                MaeTensorRole.Weight => (0.0, 1.0 / Math.Sqrt(spec.ElementCount / spec.Shape[0])),
                MaeTensorRole.Bias or MaeTensorRole.NormShift => (0.0, 0.1),
                MaeTensorRole.NormScale => (1.0, 0.2),
                _ => (0.0, 0.5),
            };
            var draws = random.Uniform(spec.ElementCount);
            var values = new float[draws.Length];
            for (var i = 0; i < draws.Length; i++)
            {
                values[i] = (float)(offset + (scale * ((2.0 * draws[i]) - 1.0)));
            }

            tensors[spec.Name] = new TensorData(spec.Name, spec.Shape, values);
        }

        return Wrap(config, tensors, $"(random MAE weights, seed {seed})");
    }

    /// <summary>Every tensor zero: a base for hand-built cases that set a few values.</summary>
    public static MaeCheckpoint Zeros(MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tensors = MaeTensorLayout.For(config)
            .ToDictionary(spec => spec.Name, spec => new TensorData(spec.Name, spec.Shape, new float[spec.ElementCount]));
        return Wrap(config, tensors, "(zero MAE weights)");
    }

    /// <summary>Pixels in [−1, 1) from numpy's stream: (float)(2u − 1), CHW.</summary>
    public static float[] Pixels(MaeConfig config, uint seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        var draws = new NumpyMt19937(seed).Uniform(config.NumChannels * config.ImageSize * config.ImageSize);
        var pixels = new float[draws.Length];
        for (var i = 0; i < draws.Length; i++)
        {
            pixels[i] = (float)((2.0 * draws[i]) - 1.0);
        }

        return pixels;
    }

    /// <remarks>The hash covers the config and the values as created; a test that edits values afterwards leaves it stale.</remarks>
    private static MaeCheckpoint Wrap(MaeConfig config, Dictionary<string, TensorData> tensors, string description)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(config.ToString()));
        foreach (var tensor in tensors.Values)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(tensor.Name));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Values.AsSpan()));
        }

        return new MaeCheckpoint
        {
            Directory = description,
            Config = config,
            Preprocessor = PreprocessorConfig.Default,
            Tensors = tensors,
            Hash = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };
    }
}
