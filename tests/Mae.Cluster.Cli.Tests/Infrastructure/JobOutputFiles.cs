using System.Text.Json;
using ParquetSharp;

namespace Mae.Cluster.Cli.Tests.Infrastructure;

/// <summary>Reads a job's output folder the way a user's tools would: metadata parquet keys, npy rows, job.json.</summary>
internal static class JobOutputFiles
{
    /// <summary>Every key written to the metadata, each shard's npy holding one row per key.</summary>
    public static string[] AllKeys(string output)
    {
        var keys = new List<string>();
        foreach (var metadata in Directory.GetFiles(Path.Combine(output, "metadata"), "metadata_*.parquet").Order(StringComparer.Ordinal))
        {
            var shard = Path.GetFileNameWithoutExtension(metadata)["metadata_".Length..];
            var shardKeys = ReadKeys(metadata);
            Assert.Equal(shardKeys.Length, NpyRows(Path.Combine(output, "img_emb", $"img_emb_{shard}.npy")));
            keys.AddRange(shardKeys);
        }
        return keys.Order(StringComparer.Ordinal).ToArray();
    }

    public static JsonElement Manifest(string output)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "job.json")));
        return document.RootElement.Clone();
    }

    /// <summary>Last-write times of every shard output and commit record, to tell a skipped shard from a rewritten one.</summary>
    public static Dictionary<string, DateTime> ShardFileTimes(string output) =>
        Directory.GetFiles(output, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".npy", StringComparison.Ordinal) || f.EndsWith(".parquet", StringComparison.Ordinal) || f.Contains("_commits", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(output, f), File.GetLastWriteTimeUtc);

    public static int CommittedShards(string output) =>
        Directory.Exists(Path.Combine(output, "_commits")) ? Directory.GetFiles(Path.Combine(output, "_commits"), "shard_*.json").Length : 0;

    private static string[] ReadKeys(string path)
    {
        using var reader = new ParquetFileReader(path);
        var keys = new List<string>();
        for (var g = 0; g < reader.FileMetaData.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            keys.AddRange(group.Column(0).LogicalReader<string>().ReadAll(checked((int)group.MetaData.NumRows)));
        }
        return [.. keys];
    }

    private static long NpyRows(string path)
    {
        using var stream = File.OpenRead(path);
        return Storage.Formats.NpyReader.Read(stream).Shape[0];
    }
}
