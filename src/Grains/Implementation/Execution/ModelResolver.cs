using System.Collections.Concurrent;
using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// Turns a job's model (folder, <c>tiny</c>, <c>base-random</c> or Hub id) into a checkpoint folder on this silo,
/// generating or downloading it once per silo (Hub settings from HF_ENDPOINT, HF_TOKEN and MAE_HOME, as for the CLI).
/// </summary>
public sealed class ModelResolver : IDisposable
{
    private readonly HubDownloader _downloader;
    private readonly ModelLocator _locator;
    private readonly ConcurrentDictionary<(string Model, string Revision), Lazy<Task<string>>> _resolved = new();

    public ModelResolver(HubOptions? hub = null)
    {
        _downloader = new HubDownloader(hub ?? HubOptions.FromEnvironment());
        _locator = new ModelLocator(_downloader);
    }

    /// <summary>The graph cache beside the model cache (<c>$MAE_HOME/graphs</c>).</summary>
    public string GraphCacheDirectory => _locator.GraphCacheDirectory;

    /// <summary>The checkpoint folder for <paramref name="model"/>; a failed resolution is retried on the next call.</summary>
    public async Task<string> ResolveAsync(string model, string revision, CancellationToken cancellationToken)
    {
        var key = (model, revision);
        // Not the caller's token: the download is shared by every shard waiting for it and must outlive one cancelled shard.
        var resolution = _resolved.GetOrAdd(key, k => new Lazy<Task<string>>(() => _locator.ResolveAsync(k.Model, k.Revision, progress: null, CancellationToken.None)));
        try
        {
            return await resolution.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _resolved.TryRemove(new KeyValuePair<(string, string), Lazy<Task<string>>>(key, resolution));
            throw;
        }
    }

    public void Dispose() => _downloader.Dispose();
}
