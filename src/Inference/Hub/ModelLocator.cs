namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Turns a <c>--model</c> argument into a local checkpoint folder: an existing folder is used as it is (a relative
/// path wins over a model id of the same spelling, as in <c>transformers</c>); otherwise the argument is a Hub model
/// id, served from the cache and downloaded on demand.
/// </summary>
public sealed class ModelLocator(HubDownloader downloader)
{
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

        if (!HubRepoId.TryParse(model, out _))
        {
            throw new ArgumentException(
                $"--model '{model}' is neither an existing checkpoint folder nor a Hugging Face model id such as 'facebook/vit-mae-base'.",
                nameof(model));
        }

        return await downloader.EnsureDownloadedAsync(model, revision, progress, cancellationToken).ConfigureAwait(false);
    }
}
