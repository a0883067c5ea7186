using System.Text.Json;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>A shard's commit record, parsed as plain JSON.</summary>
internal sealed record CommitRecord(int Shard, string Input, int Images, int Failures, int EmbeddingDim, string JobFingerprint);

/// <summary>
/// Everything a finished (or interrupted) job left in its output, read with independent readers: numpy for the
/// .npy files, ParquetSharp for the Parquet files, plain JSON parsing for job.json and the commit records.
/// </summary>
internal sealed class JobResults
{
    private readonly Dictionary<string, NumpyArray> _arrays;

    private JobResults(OutputSnapshot snapshot, NumpyFiles numpy)
    {
        Snapshot = snapshot;
        Numpy = numpy;
        _arrays = numpy.Arrays.ToDictionary(a => a.Path, StringComparer.Ordinal);
        if (snapshot.Has(OutputLayout.JobManifest))
        {
            using var manifest = JsonDocument.Parse(snapshot.Bytes(OutputLayout.JobManifest));
            Manifest = manifest.RootElement.Clone();
        }
        Commits = snapshot.Files
            .Where(f => f.StartsWith(OutputLayout.CommitFolder, StringComparison.Ordinal))
            .Select(f => ParseCommit(snapshot.Bytes(f)))
            .ToDictionary(c => c.Shard);
    }

    public OutputSnapshot Snapshot { get; }

    public NumpyFiles Numpy { get; }

    /// <summary>job.json, or null when there is none.</summary>
    public JsonElement? Manifest { get; }

    public IReadOnlyDictionary<int, CommitRecord> Commits { get; }

    public bool Succeeded => Snapshot.Has(OutputLayout.SuccessMarker);

    public string State => Manifest!.Value.GetProperty("state").GetString()!;

    public string Fingerprint => Manifest!.Value.GetProperty("job_fingerprint").GetString()!;

    public static async Task<JobResults> ReadAsync(JobStorage storage, CancellationToken cancellationToken)
    {
        var snapshot = await storage.SnapshotOutputAsync(cancellationToken);
        return new JobResults(snapshot, await NumpyFiles.ReadAsync(snapshot.Folder, cancellationToken));
    }

    public long ManifestNumber(string field) => Manifest!.Value.GetProperty(field).GetInt64();

    public IReadOnlyList<MetadataRecord> Metadata(int shard) => ParquetFiles.ReadMetadata(PathOf(OutputLayout.Metadata(shard)));

    public IReadOnlyList<FailureRecord> Failures(int shard) => ParquetFiles.ReadFailures(PathOf(OutputLayout.Failures(shard)));

    public NumpyArray Embeddings(int shard) => Array(ResultArrays.ImageEmbeddings, shard);

    /// <summary>Shard <paramref name="shard"/>'s file of the .npy folder <paramref name="folder"/>, as numpy read it.</summary>
    public NumpyArray Array(string folder, int shard) => _arrays[OutputLayout.Array(folder, shard)];

    /// <summary>job.json's npy_folders: each folder with its dtype (numpy's name) and row shape.</summary>
    public IReadOnlyDictionary<string, (string DType, int[] RowShape, string Holds)> NpyFolders =>
        Manifest!.Value.GetProperty("npy_folders").EnumerateObject().ToDictionary(
            f => f.Name,
            f => (f.Value.GetProperty("dtype").GetString()!, f.Value.GetProperty("row_shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
                f.Value.GetProperty("holds").GetString()!),
            StringComparer.Ordinal);

    /// <summary>The output files of shard <paramref name="shard"/> for the folders job.json names, commit record last.</summary>
    public string[] FilesOf(int shard) =>
        [.. NpyFolders.Keys.Order(StringComparer.Ordinal).Select(f => OutputLayout.Array(f, shard)), OutputLayout.Metadata(shard), OutputLayout.Failures(shard),
            OutputLayout.Commit(shard)];

    /// <summary>All metadata rows of shards 0..n−1, in shard order, each with its embedding row.</summary>
    public IReadOnlyList<(MetadataRecord Row, double[] Embedding)> AllRows(int shards) =>
        Enumerable.Range(0, shards).SelectMany(i => Metadata(i).Zip(Embeddings(i).Values)).ToArray();

    public IReadOnlyList<FailureRecord> AllFailures(int shards) => Enumerable.Range(0, shards).SelectMany(Failures).ToArray();

    /// <summary>The output files of shard <paramref name="shard"/> of a job with the default outputs, commit record last.</summary>
    public static string[] ShardFiles(int shard) =>
        [OutputLayout.Embeddings(shard), OutputLayout.Metadata(shard), OutputLayout.Failures(shard), OutputLayout.Commit(shard)];

    public static string ShardNumber(string path) => Path.GetFileNameWithoutExtension(path).Split('_')[^1];

    private string PathOf(string relative) => Path.Combine(Snapshot.Folder, relative);

    private static CommitRecord ParseCommit(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new CommitRecord(
            root.GetProperty("shard").GetInt32(),
            root.GetProperty("input").GetString()!,
            root.GetProperty("images").GetInt32(),
            root.GetProperty("failures").GetInt32(),
            root.GetProperty("embedding_dim").GetInt32(),
            root.GetProperty("job_fingerprint").GetString()!);
    }

    public override string ToString() => string.Join(", ", Snapshot.Files);
}
