using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Cli;

/// <summary>Resolves <c>--model</c> for a command, showing download progress on stderr when a download is needed.</summary>
public static class ModelResolution
{
    /// <summary>The model's folder (downloaded or generated into the cache if need be) and its graph cache; progress goes to <paramref name="console"/>'s error writer.</summary>
    public static async Task<ResolvedModel> ResolveAsync(string model, string revision, CommandConsole console, CancellationToken cancellationToken)
    {
        using var downloader = new HubDownloader(HubOptions.FromEnvironment());
        var locator = new ModelLocator(downloader);
        var directory = await DownloadProgressDisplay.RunAsync(
            progress => locator.ResolveAsync(model, revision, progress, cancellationToken), console).ConfigureAwait(false);
        return new ResolvedModel(directory, locator.GraphCacheDirectory);
    }
}

public sealed record ResolvedModel(string Directory, string GraphCacheDirectory);
