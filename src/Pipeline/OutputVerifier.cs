using System.Globalization;
using Mae.Cluster.Pipeline.Results;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline;

/// <summary>A committed shard whose files are unreadable or disagree with its commit record.</summary>
/// <param name="Shard">The shard index.</param>
/// <param name="Problem">What is wrong, naming the file.</param>
public sealed record ShardProblem(int Shard, string Problem);

/// <summary>What <see cref="OutputVerifier.VerifyAsync"/> found in an output.</summary>
/// <param name="Shards">Shards the job has (from job.json).</param>
/// <param name="CommittedShards">Shards with a commit record of this job.</param>
/// <param name="Images">Images in the committed shards that verified.</param>
/// <param name="Problems">One entry per bad committed shard (the first problem found in it), in shard order.</param>
public sealed record OutputVerification(int Shards, int CommittedShards, long Images, IReadOnlyList<ShardProblem> Problems)
{
    /// <summary>Every committed shard reads back whole and agrees with its record.</summary>
    public bool IsHealthy => Problems.Count == 0;

    /// <summary>The shards to compute again.</summary>
    public IReadOnlyList<int> BadShards => [.. Problems.Select(p => p.Shard)];
}

/// <summary>
/// Reads every committed shard of an output with the independent reader (<see cref="ResultParquetReader"/>, the .npy
/// header and length) and checks it against its commit record: metadata rows = the rows of every .npy folder job.json
/// names = the record's image count, failures rows = its failure count, every key present and named once, the record of this output's job.
/// <see cref="UncommitAsync"/> then removes the commit records of bad shards so that a rerun computes exactly those.
/// </summary>
public static class OutputVerifier
{
    /// <summary>Enough of an .npy for any header this project writes or reads (magic, version, length, a 64 KiB dict).</summary>
    private const long NpyHeaderRoom = 12 + ushort.MaxValue;

    /// <exception cref="JobSpecException">The location holds no job.json (it is not a job's output).</exception>
    public static async Task<OutputVerification> VerifyAsync(IObjectStore output, IProgress<(int Verified, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var manifest = await JobOutputClaim.ReadAsync(output, cancellationToken).ConfigureAwait(false)
                       ?? throw new JobSpecException($"{output.Location} holds no {OutputLayout.JobManifest}: it is not the output of a job.");
        var lengths = new Dictionary<string, long>(StringComparer.Ordinal);
        var commits = new List<int>();
        await foreach (var stored in output.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            lengths[stored.Path] = stored.Length;
            if (OutputLayout.TryParseCommit(stored.Path, out var shard))
            {
                commits.Add(shard);
            }
        }

        var problems = new List<ShardProblem>();
        var committed = 0;
        long images = 0;
        for (var i = 0; i < commits.Count; i++)
        {
            var shard = commits[i];
            var record = await ReadRecordAsync(output, shard, cancellationToken).ConfigureAwait(false);
            if (record is not null && !record.BelongsTo(manifest.JobFingerprint))
            {
                continue; // another job's leftover: the job overwrites it, it was never this output's result
            }
            committed++;
            var problem = record is null
                ? $"{OutputLayout.Commit(shard)} is not a commit record"
                : await CheckShardAsync(output, manifest, record, lengths, cancellationToken).ConfigureAwait(false);
            if (problem is null)
            {
                images += record!.Images;
            }
            else
            {
                problems.Add(new ShardProblem(shard, problem));
            }
            progress?.Report((i + 1, commits.Count));
        }
        return new OutputVerification(manifest.Shards, committed, images, problems);
    }

    /// <summary>
    /// Removes the commit records of <paramref name="shards"/> (and _SUCCESS, since the output is no longer whole), so
    /// the next run of the same job recomputes exactly those shards and leaves every other one as it is.
    /// </summary>
    public static async Task UncommitAsync(IObjectStore output, IReadOnlyCollection<int> shards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0)
        {
            return;
        }
        await output.DeleteAsync(OutputLayout.SuccessMarker, cancellationToken).ConfigureAwait(false);
        foreach (var shard in shards)
        {
            await output.DeleteAsync(OutputLayout.Commit(shard), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<ShardCommitRecord?> ReadRecordAsync(IObjectStore output, int shard, CancellationToken cancellationToken)
    {
        var bytes = await output.TryReadAsync(OutputLayout.Commit(shard), cancellationToken).ConfigureAwait(false);
        try
        {
            return bytes is null ? null : ShardCommitRecord.Parse(bytes);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static async Task<string?> CheckShardAsync(IObjectStore output, JobManifest manifest, ShardCommitRecord record,
        Dictionary<string, long> lengths, CancellationToken cancellationToken)
    {
        var shard = record.Shard;
        var metadata = OutputLayout.Metadata(shard);
        var failures = OutputLayout.Failures(shard);
        var arrays = ResultArrays.Of(manifest).Select(a => (Path: OutputLayout.Array(a.Key, shard), Array: a.Value)).ToArray();
        foreach (var path in arrays.Select(a => a.Path).Append(metadata).Append(failures))
        {
            if (!lengths.ContainsKey(path))
            {
                return $"{path} is missing";
            }
        }

        foreach (var (path, array) in arrays)
        {
            using var header = await ReadPrefixAsync(output, path, NpyHeaderRoom, cancellationToken).ConfigureAwait(false);
            if (ResultFileCheck.Array(header, lengths[path], record.Images, array.RowShape, array.ElementType) is { } npy)
            {
                return $"{path}: {npy}";
            }
        }

        IReadOnlyList<MetadataRow> rows;
        IReadOnlyList<FailureRow> failed;
        var reading = metadata;
        try
        {
            using (var metadataFile = await ReadWholeAsync(output, metadata, cancellationToken).ConfigureAwait(false))
            {
                rows = ResultParquetReader.ReadMetadata(metadataFile);
            }
            reading = failures;
            using var failuresFile = await ReadWholeAsync(output, failures, cancellationToken).ConfigureAwait(false);
            failed = ResultParquetReader.ReadFailures(failuresFile);
        }
        catch (InvalidDataException e)
        {
            return $"{reading}: {e.Message}";
        }
        if (rows.Count != record.Images)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{metadata} has {rows.Count} rows, its commit record says {record.Images}");
        }
        if (failed.Count != record.Failures)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{failures} has {failed.Count} rows, its commit record says {record.Failures}");
        }
        if (rows.FirstOrDefault(r => string.IsNullOrEmpty(r.Key)) is not null)
        {
            return $"{metadata} has a row without a key";
        }
        var computesLoss = ManifestNames.OutputsOf(manifest).HasFlag(ResultOutputs.Loss);
        if (rows.FirstOrDefault(r => r.MaeLoss.HasValue != computesLoss) is { } row)
        {
            return computesLoss
                ? $"{metadata} has no mae_loss for key '{row.Key}', but the job computes the loss"
                : $"{metadata} has a mae_loss for key '{row.Key}', but the job does not compute the loss";
        }
        if (rows.Select(r => r.Key).GroupBy(k => k, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return $"{metadata} names key '{twice.Key}' more than once";
        }
        return null;
    }

    /// <summary>A small result file whole, in one request; one deleted since the listing is as bad as a damaged one.</summary>
    private static async Task<MemoryStream> ReadWholeAsync(IObjectStore output, string path, CancellationToken cancellationToken) =>
        new(await output.TryReadAsync(path, cancellationToken).ConfigureAwait(false) ?? throw new InvalidDataException("it is missing"), writable: false);

    /// <summary>The first <paramref name="maxBytes"/> of an object (all of it if shorter), in a seekable buffer.</summary>
    private static async Task<MemoryStream> ReadPrefixAsync(IObjectStore output, string path, long maxBytes, CancellationToken cancellationToken)
    {
        var stream = await output.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while (buffer.Length < maxBytes
                   && (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, maxBytes - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
            buffer.Position = 0;
            return buffer;
        }
    }
}
