using System.Text.Json;
using ParquetSharp;

namespace Mae.Cluster.Cli.Tests.Infrastructure;

/// <summary>Reads a job's output folder the way a user's tools would: metadata parquet keys, npy rows, job.json.</summary>
internal static class JobOutputFiles
{
    /// <summary>Every key written to the metadata, each shard's npy (when the job wrote img_emb/) holding one row per key.</summary>
    public static string[] AllKeys(string output)
    {
        var keys = new List<string>();
        foreach (var metadata in MetadataFiles(output))
        {
            var shard = Path.GetFileNameWithoutExtension(metadata)["metadata_".Length..];
            var shardKeys = ReadColumn<string>(metadata, 0);
            var embeddings = Path.Combine(output, "img_emb", $"img_emb_{shard}.npy");
            if (Directory.Exists(Path.GetDirectoryName(embeddings)))
            {
                Assert.Equal(shardKeys.Length, NpyRows(embeddings));
            }
            keys.AddRange(shardKeys);
        }
        return keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Every metadata row's mae_loss, in shard order; null where the job did not compute it.</summary>
    public static IReadOnlyList<float?> Losses(string output) =>
        [.. MetadataFiles(output).SelectMany(ReadLosses)];

    private static IEnumerable<string> MetadataFiles(string output) =>
        Directory.GetFiles(Path.Combine(output, "metadata"), "metadata_*.parquet").Order(StringComparer.Ordinal);

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

    private static T[] ReadColumn<T>(string path, int column)
    {
        using var reader = new ParquetFileReader(path);
        return ParquetSharpColumns.Read<T>(reader, column);
    }

    private static float?[] ReadLosses(string path)
    {
        using var reader = new ParquetFileReader(path);
        return ParquetSharpColumns.ReadNullableFloats(reader, 2);
    }

    private static long NpyRows(string path)
    {
        using var stream = File.OpenRead(path);
        return Storage.Formats.NpyReader.Read(stream).Shape[0];
    }
}
