using System.Globalization;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Pipeline;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Hub;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Client.Cluster;

/// <summary>What the checks found out about a job's locations: the stores, and the job.json the output already holds.</summary>
internal sealed record PreflightLocations(IObjectStore Input, IObjectStore Output, JobManifest? Existing);

/// <summary>
/// Refuses a job that cannot work before any work starts, for <c>mae run</c> and <c>mae submit</c> alike: unusable
/// options, an unknown model, a missing or unreadable input, an input without images, an unwritable output, or an
/// output already holding a different job's results. Each refusal is one <see cref="CliException"/> naming the problem.
/// </summary>
internal static class JobPreflight
{
    /// <summary>Checks that need no I/O: the spec's own problems and the form of its model.</summary>
    public static void CheckSpec(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = spec.Problems();
        if (problems.Count > 0)
        {
            throw new CliException(string.Join(" ", problems));
        }
        var model = spec.Model;
        if (!Directory.Exists(model) && model is not (ModelLocator.Tiny or ModelLocator.BaseRandom) && !HubRepoId.TryParse(model, out _))
        {
            throw new CliException($"--model '{model}' is neither an existing checkpoint folder, '{ModelLocator.Tiny}', '{ModelLocator.BaseRandom}' " +
                                   "nor a Hugging Face model id such as 'facebook/vit-mae-base'.");
        }
    }

    /// <summary>
    /// Checks the locations: the input exists and holds at least one image or tar (the listing stops at the first),
    /// the output is writable; returns the output's job.json if it has one.
    /// </summary>
    public static async Task<PreflightLocations> CheckLocationsAsync(JobSpec spec, StorageOptions? storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var input = ObjectStoreFactory.Create(spec.Input, storage);
        var output = ObjectStoreFactory.Create(spec.Output, storage);
        if (!await HasJobInputAsync(input, cancellationToken).ConfigureAwait(false))
        {
            throw new CliException($"No images or .tar shards found under {input.Location}.");
        }
        await output.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);
        var existing = await JobOutputClaim.ReadAsync(output, cancellationToken).ConfigureAwait(false);
        return new PreflightLocations(input, output, existing);
    }

    /// <summary>
    /// Refuses an output holding another job's results, comparing what a client knows without the model: input,
    /// model name, seed, pool, dtype, shard size, mask saving, and mask ratio and precision where the spec sets them.
    /// </summary>
    public static void RefuseOtherJob(PreflightLocations locations, JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(spec);
        if (locations.Existing is not { } existing)
        {
            return;
        }
        var differences = KnownDifferences(locations, spec, existing);
        if (differences.Count > 0)
        {
            throw OtherJob(locations.Output, differences);
        }
    }

    /// <summary>
    /// Refuses an output holding another job's results by the job fingerprint, computed exactly as the cluster does
    /// when it claims the output (possible for <c>mae run</c>, whose model is on this machine).
    /// </summary>
    public static void RefuseOtherJob(PreflightLocations locations, JobSpec spec, MaeCheckpoint checkpoint, Precision precision)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (locations.Existing is not { } existing)
        {
            return;
        }
        var identity = new JobIdentity(locations.Input.Location.ToString(), locations.Output.Location.ToString(), spec.Model, checkpoint.Hash, spec.Seed,
            spec.MaskRatio ?? checkpoint.Config.MaskRatio, checkpoint.Config.HiddenSize, PipelineShardExecutor.ShardOptions(spec), precision);
        var fingerprint = JobOutputClaim.Describe(identity, "preflight", 1, 0, DateTimeOffset.UnixEpoch).JobFingerprint;
        if (fingerprint == existing.JobFingerprint)
        {
            return;
        }
        var differences = KnownDifferences(locations, spec with { MaskRatio = identity.MaskRatio, Precision = Name(precision) }, existing);
        if (!string.Equals(existing.ModelSha256, checkpoint.Hash, StringComparison.OrdinalIgnoreCase))
        {
            differences.Add($"model weights sha256 {Short(existing.ModelSha256)}… there, {Short(checkpoint.Hash)}… here");
        }
        if (differences.Count == 0)
        {
            differences.Add($"mask scheme {existing.MaskScheme} there");
        }
        throw OtherJob(locations.Output, differences);
    }

    private static async Task<bool> HasJobInputAsync(IObjectStore input, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in input.ListAsync("", cancellationToken).ConfigureAwait(false))
            {
                if (InputShardLister.IsJobInput(item.Path))
                {
                    return true;
                }
            }
            return false;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliException($"Cannot read the input {input.Location}: {e.Message}", e);
        }
    }

    private static List<string> KnownDifferences(PreflightLocations locations, JobSpec spec, JobManifest existing)
    {
        var differences = new List<string>();
        void Compare<T>(string what, T there, T here)
        {
            if (!EqualityComparer<T>.Default.Equals(there, here))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{what} {there} there, {here} here"));
            }
        }
        // A blob URL's SAS changes whenever it is renewed; the data it points at does not.
        Compare("input", JobOutputClaim.WithoutQuery(existing.Input), JobOutputClaim.WithoutQuery(locations.Input.Location.ToString()));
        Compare("model", existing.Model, spec.Model);
        Compare("seed", existing.Seed, spec.Seed);
        if (spec.MaskRatio is { } ratio)
        {
            Compare("mask ratio", existing.MaskRatio, ratio);
        }
        Compare("pool", existing.Pool, spec.Pool);
        Compare("embedding dtype", existing.EmbeddingDtype, spec.EmbeddingDType);
        Compare("shard size", existing.ShardSize, spec.ShardSize);
        Compare("save-mask", existing.SaveMask, spec.SaveMask);
        if (spec.Precision is { } precision)
        {
            Compare("precision", existing.Precision, precision);
        }
        return differences;
    }

    private static CliException OtherJob(IObjectStore output, List<string> differences) => new(
        $"{output.Location} already holds the results of a different job ({string.Join("; ", differences)}). " +
        "Choose another output location, delete it, or rerun with the same options to resume it.");

    private static string Name(Precision precision) => precision == Precision.Fp16 ? "fp16" : "fp32";

    private static string Short(string hash) => hash[..Math.Min(12, hash.Length)];
}
