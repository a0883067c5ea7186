using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Client;

/// <summary>Resolves <c>--model</c> for a command, showing download progress on stderr when a download is needed.</summary>
internal static class ModelResolution
{
    public static async Task<ResolvedModel> ResolveAsync(string model, string revision, CancellationToken cancellationToken)
    {
        using var downloader = new HubDownloader(HubOptions.FromEnvironment());
        var locator = new ModelLocator(downloader);
        var directory = await DownloadProgressDisplay.RunAsync(
            progress => locator.ResolveAsync(model, revision, progress, cancellationToken)).ConfigureAwait(false);
        return new ResolvedModel(directory, locator.GraphCacheDirectory);
    }
}

internal sealed record ResolvedModel(string Directory, string GraphCacheDirectory);
