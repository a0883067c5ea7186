using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>One unit of work: a WebDataset tar, or a run of loose images, with its stable index.</summary>
public sealed record InputShard(int Index, string Name, string? TarPath, IReadOnlyList<LooseImage>? Images)
{
    public bool IsTar => TarPath is not null;

    public static InputShard Tar(int index, string path) => new(index, path, path, null);

    public static InputShard Loose(LooseImageShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var name = shard.Images.Count == 0 ? $"loose shard {shard.Index}" : $"{shard.Images[0].ImagePath} … {shard.Images[^1].ImagePath}";
        return new(shard.Index, name, null, shard.Images);
    }
}
