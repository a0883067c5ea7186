using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Mae.Cluster.Inference.Masking;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>What a job computes with which model, as recorded in its job.json (see <see cref="JobOutputClaim.Describe"/>).</summary>
/// <param name="Patches">The model's patches per image: the hidden states' row count is one more (the CLS token).</param>
public sealed record JobIdentity(
    string Input, string Output, string Model, string ModelSha256, long Seed, double MaskRatio, int EmbeddingDim, int Patches, ShardJobOptions Options, Precision Precision);

/// <summary>
/// An output location's job.json as the one record of which job it belongs to, shared by the one-machine runner and
/// the cluster: the job claims the output before any shard (refusing one that holds a different job's results),
/// and marks it completed (job.json with counts, then _SUCCESS) when every shard is done.
/// </summary>
public static class JobOutputClaim
{
    /// <summary>A "running" manifest for <paramref name="identity"/>, with the fingerprint of everything that changes the results.</summary>
    public static JobManifest Describe(JobIdentity identity, string device, int batchSize, int shardCount, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var options = identity.Options;
        var manifest = new JobManifest
        {
            State = "running",
            JobFingerprint = "",
            Input = identity.Input,
            Output = identity.Output,
            Model = identity.Model,
            ModelSha256 = identity.ModelSha256,
            Seed = identity.Seed,
            MaskRatio = identity.MaskRatio,
            MaskScheme = PatchMasking.Scheme,
            Outputs = ManifestNames.Of(options.Outputs),
            Pool = ManifestNames.Of(options.Pool),
            EmbeddingDtype = ManifestNames.Of(options.EmbeddingType),
            EmbeddingDim = identity.EmbeddingDim,
            ShardSize = options.ShardSize,
            SaveMask = options.SaveMask,
            SavePatchTokens = options.SavePatchTokens,
            NpyFolders = ResultArrays.For(options, identity.EmbeddingDim, identity.Patches),
            Precision = ManifestNames.Of(identity.Precision),
            Device = device,
            BatchSize = batchSize,
            Shards = shardCount,
            StartedAt = startedAt,
            SoftwareVersion = typeof(JobOutputClaim).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        };
        // Everything that changes what the output holds; not device, batch size or timings, which don't.
        // Not the credential in a blob URL's query: a rerun with a renewed SAS (new expiry, new signature) reads the same data.
        var fingerprint = string.Join('\n', WithoutQuery(manifest.Input), manifest.Model, manifest.ModelSha256, manifest.Seed.ToString(CultureInfo.InvariantCulture),
            manifest.MaskRatio.ToString("R", CultureInfo.InvariantCulture), manifest.MaskScheme, manifest.Pool, manifest.EmbeddingDtype,
            manifest.ShardSize.ToString(CultureInfo.InvariantCulture), manifest.SaveMask.ToString(), manifest.Precision);
        // Appended only when they differ from what every job did before they could be chosen, so such a job's
        // fingerprint (and with it a rerun's right to resume its output) stays what it was.
        if (options.Outputs != ResultOutputs.All)
        {
            fingerprint += "\noutputs=" + string.Join(',', manifest.Outputs!);
        }
        if (options.SavePatchTokens)
        {
            fingerprint += "\npatch_tokens";
        }
        return manifest with { JobFingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)))[..32] };
    }

    /// <summary>The output's job.json, or null when it has none.</summary>
    public static async Task<JobManifest?> ReadAsync(IObjectStore output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var bytes = await output.TryReadAsync(OutputLayout.JobManifest, cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : JobManifest.Parse(bytes)
            ?? throw new InvalidDataException($"{OutputLayout.JobManifest} in {output.Location} is empty or not a job manifest.");
    }

    /// <summary>
    /// Refuses an output that holds a different job's results (another input, model, seed or option): mixing them
    /// would silently corrupt both. The same job again resumes (its job.json is kept).
    /// </summary>
    /// <exception cref="JobSpecException">The output belongs to a different job.</exception>
    public static async Task ClaimAsync(IObjectStore output, JobManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(manifest);
        var previous = await ReadAsync(output, cancellationToken).ConfigureAwait(false);
        if (previous is not null)
        {
            OutputOwnership.RefuseOtherJob(output, previous, manifest);
            return;
        }
        await output.WriteAsync(OutputLayout.JobManifest, manifest.ToJson(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The job.json state of a job that finished with shards given up on.</summary>
    public const string CompletedWithFailedShards = "completed_with_failed_shards";

    /// <summary>
    /// Records a finished job: job.json as <c>completed</c> with its counts and timings, then _SUCCESS (last, so
    /// its presence means the output is whole). With <paramref name="failedShards"/> the output is not whole: job.json
    /// says <see cref="CompletedWithFailedShards"/> and there is no _SUCCESS. Returns the final manifest.
    /// </summary>
    public static async Task<JobManifest> MarkCompletedAsync(IObjectStore output, JobManifest running, long images, long failures, DateTimeOffset finishedAt,
        CancellationToken cancellationToken, int failedShards = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(running);
        var elapsed = (finishedAt - running.StartedAt).TotalSeconds;
        var counted = running with
        {
            State = failedShards > 0 ? CompletedWithFailedShards : "completed",
            Simulated = await SimulatedAsync(output, cancellationToken).ConfigureAwait(false),
            Images = images,
            Failures = failures,
            FailedShards = failedShards > 0 ? failedShards : null,
            Reason = null,
        };
        // A rerun of a job that had completed: its timings describe the run that did the work, not the one that found it done.
        var completed = running.FinishedAt is not null && running.State != Failed
            ? counted with { LastRerunFinishedAt = finishedAt }
            : counted with
            {
                FinishedAt = finishedAt,
                ElapsedSeconds = Math.Round(elapsed, 3),
                ImagesPerSecond = elapsed > 0 ? Math.Round(images / elapsed, 2) : null,
            };
        await output.WriteAsync(OutputLayout.JobManifest, completed.ToJson(), cancellationToken).ConfigureAwait(false);
        if (failedShards > 0)
        {
            return completed;
        }
        await output.WriteAsync(OutputLayout.SuccessMarker, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        return completed;
    }

    /// <summary>The job.json state of a job that ended without a usable output (nothing embedded).</summary>
    public const string Failed = "failed";

    /// <summary>
    /// Records a job that ran to its end but failed (every image failed, so nothing was embedded): job.json says
    /// <see cref="Failed"/> with its counts and <paramref name="reason"/>, and there is no _SUCCESS (one left by an
    /// earlier run is removed: this output is not whole). Returns the final manifest.
    /// </summary>
    public static async Task<JobManifest> MarkFailedAsync(IObjectStore output, JobManifest running, long images, long failures, string reason,
        DateTimeOffset finishedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(running);
        var failed = running with
        {
            State = Failed,
            Simulated = await SimulatedAsync(output, cancellationToken).ConfigureAwait(false),
            Reason = reason,
            Images = images,
            Failures = failures,
            FinishedAt = finishedAt,
            ElapsedSeconds = Math.Round((finishedAt - running.StartedAt).TotalSeconds, 3),
        };
        await output.DeleteAsync(OutputLayout.SuccessMarker, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(OutputLayout.JobManifest, failed.ToJson(), cancellationToken).ConfigureAwait(false);
        return failed;
    }

    /// <summary>
    /// Records that a simulated device writes shards of this output, before it commits any: the job.json written when
    /// the job ends then says <see cref="JobManifest.Simulated"/>. Idempotent; one write per device and job.
    /// </summary>
    public static Task MarkSimulatedAsync(IObjectStore output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.WriteAsync(OutputLayout.SimulatedMarker, ReadOnlyMemory<byte>.Empty, cancellationToken);
    }

    private static async Task<bool?> SimulatedAsync(IObjectStore output, CancellationToken cancellationToken) =>
        await output.GetPropertiesAsync(OutputLayout.SimulatedMarker, cancellationToken).ConfigureAwait(false) is not null ? true : null;

    /// <summary>A blob URL without its (redacted) SAS query, which changes whenever the token is renewed.</summary>
    public static string WithoutQuery(string location)
    {
        var query = location.IndexOf('?', StringComparison.Ordinal);
        return query > 0 && location.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? location[..query] : location;
    }
}
