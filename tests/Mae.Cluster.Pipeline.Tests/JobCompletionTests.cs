using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>How a finished job is recorded in its output: _SUCCESS only when the output is whole.</summary>
public sealed class JobCompletionTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CompletedJobGetsCountsAndSuccessMarker()
    {
        using var folder = new TempDirectory();
        var output = ObjectStoreFactory.Create(folder.Path);
        var running = await ClaimAsync(output);

        var completed = await JobOutputClaim.MarkCompletedAsync(output, running, images: 40, failures: 1, running.StartedAt.AddSeconds(8), Token);

        var written = await JobOutputClaim.ReadAsync(output, Token);
        Assert.Equal("completed", written!.State);
        Assert.Equal(40, written.Images);
        Assert.Equal(1, written.Failures);
        Assert.Null(written.FailedShards);
        Assert.Equal(5.0, completed.ImagesPerSecond);
        Assert.True(File.Exists(folder.Combine(OutputLayout.SuccessMarker)));
    }

    [Fact]
    public async Task JobWithFailedShardsSaysSoAndGetsNoSuccessMarker()
    {
        using var folder = new TempDirectory();
        var output = ObjectStoreFactory.Create(folder.Path);
        var running = await ClaimAsync(output);

        await JobOutputClaim.MarkCompletedAsync(output, running, images: 30, failures: 0, running.StartedAt.AddSeconds(8), Token, failedShards: 2);

        var written = await JobOutputClaim.ReadAsync(output, Token);
        Assert.Equal(JobOutputClaim.CompletedWithFailedShards, written!.State);
        Assert.Equal(2, written.FailedShards);
        Assert.Equal(running.JobFingerprint, written.JobFingerprint);
        Assert.False(File.Exists(folder.Combine(OutputLayout.SuccessMarker)), "an output missing shards must not look whole");
    }

    private static async Task<JobManifest> ClaimAsync(IObjectStore output)
    {
        var options = new ShardJobOptions { Input = "/data/in", Output = output.Location.ToString(), ShardSize = 10 };
        var identity = new JobIdentity("/data/in", output.Location.ToString(), "tiny", "00ff", Seed: 3, MaskRatio: 0.75, EmbeddingDim: 32, Patches: 16, options, Precision.Fp32);
        var manifest = JobOutputClaim.Describe(identity, "cluster", 8, shardCount: 5, DateTimeOffset.UnixEpoch);
        await JobOutputClaim.ClaimAsync(output, manifest, Token);
        return manifest;
    }
}
