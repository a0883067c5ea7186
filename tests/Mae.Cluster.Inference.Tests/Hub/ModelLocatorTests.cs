using Mae.Cluster.Inference.Hub;
using Mae.Cluster.TestSupport.Hub;

namespace Mae.Cluster.Inference.Tests.Hub;

public sealed class ModelLocatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LocalFolderIsUsedAsItIsWithoutTheNetwork()
    {
        using var temp = new TempDirectory();
        using var closed = new ClosedPort();
        using var downloader = new HubDownloader(HubTestOptions.For(closed.Endpoint, temp.Path));
        var checkpoint = Directory.CreateDirectory(Path.Combine(temp.Path, "my-checkpoint")).FullName;

        var folder = await new ModelLocator(downloader).ResolveAsync(checkpoint, cancellationToken: Ct);

        Assert.Equal(checkpoint, folder);
    }

    [Fact]
    public async Task ModelIdIsDownloadedOnDemandThroughTheCache()
    {
        using var temp = new TempDirectory();
        await using var hub = await FakeHub.StartAsync();
        using var downloader = new HubDownloader(HubTestOptions.For(hub.Endpoint, temp.Path));

        var folder = await new ModelLocator(downloader).ResolveAsync(FakeHub.RepoId, cancellationToken: Ct);

        Assert.Equal(downloader.Cache.RevisionDirectory(HubRepoId.Parse(FakeHub.RepoId), "main"), folder);
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task NeitherFolderNorModelIdIsRefusedWithTheArgument()
    {
        using var temp = new TempDirectory();
        using var closed = new ClosedPort();
        using var downloader = new HubDownloader(HubTestOptions.For(closed.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => new ModelLocator(downloader).ResolveAsync("no/such/folder", cancellationToken: Ct));

        Assert.Contains("--model 'no/such/folder' is neither", error.Message, StringComparison.Ordinal);
    }
}
