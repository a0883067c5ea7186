namespace Mae.Cluster.Inference.Engine;

/// <summary>
/// One image to embed: its key (which also seeds its mask) and its encoded bytes — or, when the bytes could
/// not be read at all, the reason, so the image still gets its own failure result in order.
/// </summary>
public sealed record ImageInput(string Key, ReadOnlyMemory<byte> Encoded)
{
    public string? ReadError { get; init; }

    public static ImageInput Unreadable(string key, string reason) => new(key, ReadOnlyMemory<byte>.Empty) { ReadError = reason };
}
