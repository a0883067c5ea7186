using System.Globalization;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Where a job's results live under the output location (clip-retrieval / embedding-reader "parquet_npy" layout),
/// one set of files per input shard, zero-padded to 5 digits so that name order is shard order.
/// </summary>
public static class OutputLayout
{
    public const string JobManifest = "job.json";
    public const string SuccessMarker = "_SUCCESS";
    public const string CommitFolder = "_commits/";

    /// <summary>Present once a simulated device has written a shard of this output; job.json then says so when the job ends.</summary>
    public const string SimulatedMarker = "_simulated";

    public static string Embeddings(int shard) => Array(ResultArrays.ImageEmbeddings, shard);

    /// <summary>Shard <paramref name="shard"/>'s file of the .npy folder <paramref name="folder"/> (img_emb, mean_emb, patch_tokens).</summary>
    public static string Array(string folder, int shard) => $"{folder}/{folder}_{Pad(shard)}.npy";

    public static string Metadata(int shard) => $"metadata/metadata_{Pad(shard)}.parquet";

    public static string Failures(int shard) => $"failures/failures_{Pad(shard)}.parquet";

    /// <summary>Written last: its presence is what makes a shard done.</summary>
    public static string Commit(int shard) => $"{CommitFolder}shard_{Pad(shard)}.json";

    /// <summary>The shard index of a commit record's path (<c>_commits/shard_00012.json</c>); false for any other path.</summary>
    public static bool TryParseCommit(string path, out int shard)
    {
        ArgumentNullException.ThrowIfNull(path);
        shard = -1;
        const string Prefix = CommitFolder + "shard_";
        return path.StartsWith(Prefix, StringComparison.Ordinal) && path.EndsWith(".json", StringComparison.Ordinal)
               && int.TryParse(path.AsSpan(Prefix.Length, path.Length - Prefix.Length - ".json".Length), NumberStyles.None, CultureInfo.InvariantCulture, out shard)
               && Commit(shard) == path;
    }

    private static string Pad(int shard) => shard.ToString("D5", CultureInfo.InvariantCulture);
}
