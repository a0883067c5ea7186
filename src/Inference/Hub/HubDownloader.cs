using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Brings a ViT-MAE checkpoint (<see cref="CheckpointFiles"/>) from the Hugging Face Hub into the
/// <see cref="ModelCache"/>: metadata by HEAD like <c>huggingface_hub</c>, resumable GETs, size and SHA-256 checks,
/// retries with backoff, and no network at all once a revision is complete in the cache.
/// </summary>
public sealed class HubDownloader : IDisposable
{
    private readonly HubOptions options;
    private readonly HubHttp http;
    private readonly RetryLoop retry;
    private readonly ILogger logger;

    public HubDownloader(HubOptions options, ILogger<HubDownloader>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        Cache = new ModelCache(options.CacheRoot);
        http = new HubHttp(options);
        retry = new RetryLoop(options);
    }

    /// <summary>The files of a checkpoint in the Hugging Face layout, in download order (small files first).</summary>
    public static IReadOnlyList<string> CheckpointFiles { get; } = ["config.json", "preprocessor_config.json", "model.safetensors"];

    public ModelCache Cache { get; }

    /// <summary>
    /// Returns the local folder holding <paramref name="repoId"/> at <paramref name="revision"/>, downloading what is
    /// missing first. A revision already complete in the cache is returned without any network request (so a
    /// cached <c>main</c> is not refreshed; pin a commit hash or clear the folder for that).
    /// </summary>
    /// <param name="repoId">A model id such as <c>facebook/vit-mae-base</c>.</param>
    /// <param name="revision">Branch, tag or commit hash.</param>
    /// <param name="progress">Told about bytes on disk after every chunk; called on the downloading thread.</param>
    /// <exception cref="ArgumentException">The id or revision is malformed (nothing was requested).</exception>
    /// <exception cref="HubException">The download failed; the subtype and message say why and what to do.</exception>
    public async Task<string> EnsureDownloadedAsync(
        string repoId,
        string revision = HubRevision.Default,
        IProgress<HubDownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var repo = HubRepoId.Parse(repoId);
        var repoText = repo.ToString();
        HubRevision.Validate(revision);
        if (Cache.FindComplete(repo, revision, CheckpointFiles) is { } cached)
        {
            HubLog.CacheHit(logger, repoText, revision, cached);
            return cached;
        }

        var directory = Cache.RevisionDirectory(repo, revision);
        CreateCacheDirectory(directory);
        using var cacheLock = await CacheLock.AcquireAsync(
            Path.Combine(directory, ModelCache.LockFileName), () => HubLog.WaitingForLock(logger, directory), cancellationToken)
            .ConfigureAwait(false);

        // Another process may have finished this very download while we waited for the lock.
        if (Cache.FindComplete(repo, revision, CheckpointFiles) is { } finishedMeanwhile)
        {
            return finishedMeanwhile;
        }

        var metadata = await FetchMetadataAsync(repo, revision, cancellationToken).ConfigureAwait(false);
        var commit = metadata[0].Commit;
        HubLog.Downloading(logger, repoText, revision, commit ?? "not announced", directory);
        var files = await DownloadAllAsync(repo, revision, commit ?? revision, metadata, directory, progress, cancellationToken)
            .ConfigureAwait(false);
        new CacheManifest(repoText, revision, commit, files, DateTimeOffset.UtcNow)
            .WriteAtomically(Path.Combine(directory, ModelCache.ManifestFileName));
        return directory;
    }

    public void Dispose() => http.Dispose();

    /// <summary>
    /// HEADs every file before any download, so the total size is known for progress. The first answer pins the
    /// commit and the other files are asked for at that commit: all files come from one snapshot even if the
    /// branch moves meanwhile.
    /// </summary>
    private async Task<IReadOnlyList<HubFileMetadata>> FetchMetadataAsync(HubRepoId repo, string revision, CancellationToken cancellationToken)
    {
        var metadata = new List<HubFileMetadata>(CheckpointFiles.Count);
        var urlRevision = revision;
        foreach (var fileName in CheckpointFiles)
        {
            var file = await retry.RunAsync(
                (_, token) => HeadAsync(repo, revision, urlRevision, fileName, token),
                (failure, attempt, delay) => LogRetry(fileName, failure, attempt, delay),
                (failure, attempts) => HubErrors.ForExhaustedRetries(failure, options, fileName, attempts),
                cancellationToken).ConfigureAwait(false);
            metadata.Add(file);
            urlRevision = metadata[0].Commit ?? revision;
        }

        return metadata;
    }

    private async Task<IReadOnlyList<CacheManifestFile>> DownloadAllAsync(
        HubRepoId repo, string revision, string urlRevision, IReadOnlyList<HubFileMetadata> metadata, string directory,
        IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var download = new ResumableFileDownload(http, options, repo, revision);
        long? totalBytes = metadata.All(m => m.Size is not null) ? metadata.Sum(m => m.Size!.Value) : null;
        var bytesOfFinishedFiles = 0L;
        var files = new List<CacheManifestFile>(metadata.Count);
        foreach (var announced in metadata)
        {
            var fileName = announced.FileName;
            var doneBefore = bytesOfFinishedFiles;
            void Report(long fileBytes) => progress?.Report(
                new HubDownloadProgress(repo.ToString(), fileName, fileBytes, announced.Size, doneBefore + fileBytes, totalBytes));

            var file = await retry.RunAsync(
                async (attempt, token) =>
                {
                    // A retry asks again: a CDN redirect carries a signed URL that may have expired.
                    var current = attempt == 1
                        ? announced
                        : await HeadAsync(repo, revision, urlRevision, fileName, token).ConfigureAwait(false);
                    return await download.DownloadAsync(current, Path.Combine(directory, fileName), Report, token).ConfigureAwait(false);
                },
                (failure, attempt, delay) => LogRetry(fileName, failure, attempt, delay),
                (failure, attempts) => HubErrors.ForExhaustedRetries(failure, options, fileName, attempts),
                cancellationToken).ConfigureAwait(false);
            HubLog.FileDone(logger, fileName, file.Size);
            files.Add(file);
            bytesOfFinishedFiles += file.Size;
        }

        return files;
    }

    /// <param name="revision">The revision asked for, named in error messages.</param>
    /// <param name="urlRevision">The revision put in the URL (the pinned commit once known).</param>
    private async Task<HubFileMetadata> HeadAsync(
        HubRepoId repo, string revision, string urlRevision, string fileName, CancellationToken cancellationToken)
    {
        var resolveUri = http.ResolveUri(repo, urlRevision, fileName);
        using var response = await http.HeadAsync(resolveUri, cancellationToken).ConfigureAwait(false);
        var answeredUri = response.RequestMessage?.RequestUri ?? resolveUri;
        if ((int)response.StatusCode is >= 300 and < 400 && HubHttp.RedirectTarget(answeredUri, response) is { } target)
        {
            return HubFileMetadata.FromHeadResponse(fileName, response, target.Uri);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw HubErrors.ForStatus(response, options, repo, revision, fileName);
        }

        // Fetch the bytes at the commit the Hub just named, not at a branch that might move before the GET.
        var metadata = HubFileMetadata.FromHeadResponse(fileName, response, answeredUri);
        return answeredUri == resolveUri && metadata.Commit is { } commit
            ? metadata with { DownloadUri = http.ResolveUri(repo, commit, fileName) }
            : metadata;
    }

    private void LogRetry(string fileName, TransientHubFailure failure, int attempt, TimeSpan delay) =>
        HubLog.Retrying(logger, fileName, failure.Message, HubErrors.HostAndPath(failure.Uri), attempt, delay);

    private static void CreateCacheDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(
                $"Cannot create the model cache folder {directory}: {e.Message} Set MAE_HOME to a writable folder.", e);
        }
    }
}
