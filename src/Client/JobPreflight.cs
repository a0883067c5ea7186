using Mae.Cluster.Grains;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Hub;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Client;

/// <summary>What the checks found out about a job's locations: the stores, and the job.json the output already holds.</summary>
public sealed record PreflightLocations(IObjectStore Input, IObjectStore Output, JobManifest? Existing);

/// <summary>
/// Refuses a job that cannot work before any work starts, for <c>mae run</c> and <c>mae submit</c> alike: unusable
/// options, an unknown model, a missing or unreadable input, an input without images, an unwritable output, or an
/// output already holding a different job's results. Each refusal is one exception naming the problem.
/// </summary>
public static class JobPreflight
{
    /// <summary>Checks that need no I/O: the spec's own problems and the form of its model.</summary>
    public static void CheckSpec(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = spec.Problems();
        if (problems.Count > 0)
        {
            throw new RequestRefusedException(string.Join(" ", problems));
        }
        var model = spec.Model;
        if (!Directory.Exists(model) && model is not (ModelLocator.Tiny or ModelLocator.BaseRandom) && !HubRepoId.TryParse(model, out _))
        {
            throw new RequestRefusedException($"--model '{model}' is neither an existing checkpoint folder, '{ModelLocator.Tiny}', '{ModelLocator.BaseRandom}' " +
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
            throw new RequestRefusedException($"No images or .tar shards found under {input.Location}.");
        }
        await output.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);
        var existing = await JobOutputClaim.ReadAsync(output, cancellationToken).ConfigureAwait(false);
        return new PreflightLocations(input, output, existing);
    }

    /// <summary>
    /// Refuses an output holding another job's results, comparing what a client knows without the model: input,
    /// model name, seed, pool, dtype, shard size, mask saving, and mask ratio and precision where the spec sets them.
    /// </summary>
    /// <exception cref="JobSpecException">The output holds a different job's results.</exception>
    public static void RefuseOtherJob(PreflightLocations locations, JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(spec);
        OutputOwnership.RefuseOtherJob(locations.Output, locations.Existing, Expectation(locations, spec));
    }

    /// <summary>
    /// Refuses an output holding another job's results by the job fingerprint, computed exactly as the cluster does
    /// when it claims the output (possible for <c>mae run</c>, whose model is on this machine).
    /// </summary>
    /// <exception cref="JobSpecException">The output holds a different job's results.</exception>
    public static void RefuseOtherJob(PreflightLocations locations, JobSpec spec, MaeCheckpoint checkpoint, Precision precision)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var identity = spec.ToJobIdentity(locations.Input, locations.Output, checkpoint, precision);
        OutputOwnership.RefuseOtherJob(locations.Output, locations.Existing, JobOutputClaim.Describe(identity, "preflight", 1, 0, DateTimeOffset.UnixEpoch));
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
            throw new RequestRefusedException($"Cannot read the input {input.Location}: {e.Message}", e);
        }
    }

    private static OutputExpectation Expectation(PreflightLocations locations, JobSpec spec)
    {
        var options = spec.ToShardJobOptions();
        return new OutputExpectation(locations.Input.Location.ToString(), spec.Model, spec.Seed, OutputExpectation.OutputsText(options.Outputs),
            ManifestNames.Of(options.Pool), ManifestNames.Of(options.EmbeddingType), options.ShardSize, options.SaveMask, options.SavePatchTokens)
        {
            MaskRatio = spec.MaskRatio,
            Precision = spec.Precision is { } precision ? ManifestNames.Of(precision.ToInference()) : null,
        };
    }
}
