using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Turns a <c>--model</c> argument into a local checkpoint folder: an existing folder is used as it is (a relative
/// path wins over a model id of the same spelling, as in <c>transformers</c>); <c>tiny</c> and <c>base-random</c>
/// are seeded random checkpoints generated once into the cache; otherwise the argument is a Hub model id, served
/// from the cache and downloaded on demand.
/// </summary>
public sealed class ModelLocator(HubDownloader downloader)
{
    /// <summary>A seeded random tiny checkpoint (<see cref="TinyCheckpoint.DefaultConfig"/>), for tests and offline demos.</summary>
    public const string Tiny = "tiny";

    /// <summary>Random weights with vit-mae-base's architecture: real cost, meaningless values (benchmarks).</summary>
    public const string BaseRandom = "base-random";

    /// <summary>Where built ONNX graphs are cached, beside the checkpoints.</summary>
    public string GraphCacheDirectory => Path.Combine(downloader.Cache.Root, "graphs");

    /// <param name="model">A checkpoint folder or a model id such as <c>facebook/vit-mae-base</c>.</param>
    /// <param name="revision">Used for model ids only.</param>
    /// <param name="progress">Told about download progress, if a download is needed.</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> is neither a folder nor a well-formed model id.</exception>
    /// <exception cref="HubException">The model had to be downloaded, and that failed.</exception>
    public async Task<string> ResolveAsync(
        string model,
        string revision = HubRevision.Default,
        IProgress<HubDownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Directory.Exists(model))
        {
            return Path.GetFullPath(model);
        }
        if (model is Tiny or BaseRandom)
        {
            return Generated(model, model == Tiny ? TinyCheckpoint.DefaultConfig : TinyCheckpoint.BaseSizedConfig);
        }

        if (!HubRepoId.TryParse(model, out _))
        {
            throw new ArgumentException(
                $"--model '{model}' is neither an existing checkpoint folder nor a Hugging Face model id such as 'facebook/vit-mae-base'.",
                nameof(model));
        }

        return await downloader.EnsureDownloadedAsync(model, revision, progress, cancellationToken).ConfigureAwait(false);
    }

    private string Generated(string name, MaeConfig config)
    {
        var directory = Path.Combine(downloader.Cache.Root, "generated", name + "-seed0");
        if (!File.Exists(Path.Combine(directory, MaeCheckpoint.WeightsFileName)))
        {
            TinyCheckpoint.Write(directory, seed: 0, config);
        }
        return directory;
    }
}
