using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Mae.Cluster.Inference.Simulation;

/// <summary>
/// A worker device <c>sim:RATE</c> that reads shards for real but, instead of decoding and running the model, waits
/// as long as a device of <see cref="ImagesPerSecond"/> would and writes results that are a function of each image's
/// bytes (<see cref="SimulatedEmbeddings"/>). For benchmarks and soaks of the cluster, never for real results: a silo
/// runs one only where <c>Mae:Worker:AllowSimulatedDevices</c> is true.
/// </summary>
public sealed record SimulatedDevice(int ImagesPerSecond)
{
    public const string Prefix = "sim:";

    public const int MaxImagesPerSecond = 1_000_000;

    /// <summary>Whether <paramref name="text"/> names a simulated device at all (<c>sim:…</c>), well formed or not.</summary>
    public static bool Names(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The device <paramref name="text"/> names, when it is a simulated one; false for any other device.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> starts with <c>sim:</c> but its rate is not a whole number in range.</exception>
    public static bool TryParse(string text, [NotNullWhen(true)] out SimulatedDevice? device)
    {
        device = null;
        if (!Names(text))
        {
            return false;
        }
        var rate = text.Trim()[Prefix.Length..];
        if (!int.TryParse(rate, NumberStyles.None, CultureInfo.InvariantCulture, out var imagesPerSecond) || imagesPerSecond is < 1 or > MaxImagesPerSecond)
        {
            throw new ArgumentException(
                $"Simulated device '{text}': the rate after '{Prefix}' must be whole images per second, 1 to {MaxImagesPerSecond} (for example {Prefix}500).", nameof(text));
        }
        device = new SimulatedDevice(imagesPerSecond);
        return true;
    }

    public override string ToString() => Prefix + ImagesPerSecond.ToString(CultureInfo.InvariantCulture);
}
