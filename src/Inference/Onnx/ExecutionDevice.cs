using System.Globalization;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>Where a model runs: <c>cpu</c>, or <c>cuda</c> / <c>cuda:N</c>.</summary>
public sealed record ExecutionDevice(bool IsCuda, int Index)
{
    public static ExecutionDevice Cpu { get; } = new(false, 0);

    public static ExecutionDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu")
        {
            return Cpu;
        }
        if (t == "cuda")
        {
            return new ExecutionDevice(true, 0);
        }
        if (t.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return new ExecutionDevice(true, index);
        }
        throw new ArgumentException($"Unknown device '{text}': the devices are cpu, cuda and cuda:N (for example cuda:1).", nameof(text));
    }

    public override string ToString() => IsCuda ? $"cuda:{Index.ToString(CultureInfo.InvariantCulture)}" : "cpu";
}
