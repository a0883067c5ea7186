using Mae.Cluster.Pipeline.Tests.Support;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>Blob storage goes away in the middle of a job and comes back: the job rides it out and loses or repeats nothing.</summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class StorageOutageTests(AzuriteFixture azurite, TinyModel model) : IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    // Whatever happened, the next test finds Azurite running.
    public async ValueTask DisposeAsync() => await azurite.StartAsync();

    [Fact]
    public async Task JobCompletesWithEveryImageOnceWhenAzuriteRestartsMidJob()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.Azurite, azurite, Token);
        var expected = await InputShards.PutTarsAsync(storage, shards: 4, imagesPerShard: 3, Token);
        var log = new RecordingLogger();
        // Right after the first shard commits, with shards still to read and write: Azurite stops before the job may go
        // on (the callback blocks), and comes back once the job has felt it (a storage retry or a shard retry was
        // logged) — or has ended, so the test cannot hang.
        var jobEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outage = new Lazy<Task>(() =>
        {
            azurite.StopAsync().GetAwaiter().GetResult();
            return Task.Run(async () =>
            {
                await Task.WhenAny(log.WhenLoggedAsync("RetryingTransientFailure"), log.WhenLoggedAsync("LogShardRetry"), jobEnded.Task);
                await azurite.StartAsync();
            }, Token);
        });
        var progress = new CallbackProgress(report => _ = outage.Value);

        try
        {
            await storage.Runner(model.Engine, log).RunAsync(progress, Token);
        }
        finally
        {
            jobEnded.TrySetResult();
        }
        Assert.True(outage.IsValueCreated, "no shard was ever reported done");
        await outage.Value;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, log.Messages));

        Assert.True(log.Count("RetryingTransientFailure") + log.Count("LogShardRetry") > 0, "the job never noticed the outage");
        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 4, images: 12, failures: 0);
        JobAssertions.EmbeddedInOrder(results, 4, expected, await ReferenceEmbeddings.ComputeAsync(model.Engine, expected, Token));
    }
}
