using System.Diagnostics;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Tests.Infrastructure;

namespace Mae.Cluster.Storage.Tests.Blobs;

/// <summary>
/// Azurite goes away and comes back on the same port while operations run: they wait it out within the
/// retry budget, reads resume where they broke off, and a dead endpoint is reported once the budget is spent.
/// Restarts are triggered by the store's own retry log events, never by sleeping.
/// </summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class BlobOutageTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly RecordingLogger _log = new();
    private IObjectStore _store = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _store = Open(TimeSpan.FromSeconds(30));
        await _store.EnsureWritableAsync(Token);
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever a test did, the next one finds Azurite running.
        await azurite.StartAsync();
    }

    [Fact]
    public async Task WriteWaitsOutAnAzuriteOutage()
    {
        var content = TestContent.Bytes(3 * 1024 * 1024, seed: 11);
        await azurite.StopAsync();

        var write = _store.WriteAsync("during-outage.bin", content, Token);
        await _log.WhenLoggedAsync("RetryingTransientFailure").WaitAsync(TimeSpan.FromSeconds(20), Token);
        await azurite.StartAsync();
        await write;

        await using var read = await _store.OpenReadAsync("during-outage.bin", Token);
        Assert.Equal(content, await TestContent.ReadAllAsync(read, Token));
    }

    [Fact]
    public async Task OpenAndListWaitOutAnAzuriteOutage()
    {
        var content = TestContent.Bytes(100_000, seed: 12);
        await _store.WriteAsync("before-outage.bin", content, Token);
        await azurite.StopAsync();

        var open = _store.OpenReadAsync("before-outage.bin", Token);
        await _log.WhenLoggedAsync("RetryingTransientFailure").WaitAsync(TimeSpan.FromSeconds(20), Token);
        await azurite.StartAsync();

        await using var read = await open;
        Assert.Equal(content, await TestContent.ReadAllAsync(read, Token));
        var listed = new List<string>();
        await foreach (var item in _store.ListAsync(string.Empty, Token))
        {
            listed.Add(item.Path);
        }

        Assert.Equal(["before-outage.bin"], listed);
    }

    [Fact]
    public async Task ReadStreamResumesWhenAzuriteRestartsMidObject()
    {
        // Larger than what socket buffers can hold, so the cut is felt mid-object.
        const long length = 24L * 1024 * 1024;
        await _store.WriteAsync("long-read.bin", new GeneratedStream(length, seed: 13), Token);
        await using var read = await _store.OpenReadAsync("long-read.bin", Token);
        var head = new byte[1024 * 1024];
        await read.ReadExactlyAsync(head, Token);

        await azurite.StopAsync();
        var restart = Task.Run(
            async () =>
            {
                await _log.WhenLoggedAsync("ResumingRead").WaitAsync(TimeSpan.FromSeconds(30), Token);
                await azurite.StartAsync();
            },
            Token);
        var rest = await TestContent.ReadAllAsync(read, Token);
        await restart;

        using var expected = new GeneratedStream(length, seed: 13);
        var all = await TestContent.ReadAllAsync(expected, Token);
        Assert.Equal(length, head.Length + rest.Length);
        Assert.True(all.AsSpan(0, head.Length).SequenceEqual(head) && all.AsSpan(head.Length).SequenceEqual(rest), "resumed content differs");
        Assert.True(_log.Count("ResumingRead") >= 1);
    }

    [Fact]
    public async Task ReadStreamRefusesToResumeIntoANewerVersion()
    {
        const long length = 24L * 1024 * 1024;
        await _store.WriteAsync("replaced.bin", new GeneratedStream(length, seed: 14), Token);
        await using var read = await _store.OpenReadAsync("replaced.bin", Token);
        await read.ReadExactlyAsync(new byte[1024 * 1024], Token);

        await azurite.StopAsync();
        await azurite.StartAsync();
        await _store.WriteAsync("replaced.bin", "new version"u8.ToArray(), Token);

        var error = await Assert.ThrowsAsync<StorageObjectChangedException>(() => TestContent.ReadAllAsync(read, Token));
        Assert.Contains("was replaced while it was being read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadEndpointIsReportedOnceTheRetryBudgetIsSpent()
    {
        var store = Open(TimeSpan.FromSeconds(1));
        await azurite.StopAsync();

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.WriteAsync("never.bin", "x"u8.ToArray(), Token));
        clock.Stop();

        Assert.Contains(store.Location.Combine("never.bin").ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("still failing after", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.True(_log.Count("RetryingTransientFailure") >= 2, "several attempts should have been made");
    }

    private IObjectStore Open(TimeSpan giveUpAfter) => ObjectStoreFactory.Create(
        _store?.Location ?? StorageLocation.Parse($"az://{BlobObjectStoreTests.UniqueContainerName()}/outage"),
        new StorageOptions
        {
            ConnectionString = azurite.ConnectionString,
            BlockSizeBytes = 1024 * 1024,
            Retry = new StorageRetryOptions
            {
                FirstDelay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromMilliseconds(400),
                GiveUpAfter = giveUpAfter,
            },
        },
        _log);
}
