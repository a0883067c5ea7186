using System.Diagnostics;
using Mae.Cluster.Grains.Tests.Infrastructure;

namespace Mae.Cluster.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ScaleTests(ClusterFixture fixture)
{
    private const int CompletionsMeasured = 2000;

    [Fact]
    public async Task MillionShardJobStartsPromptlyAndPersistsNoMorePerCompletionThanASmallJob()
    {
        var small = await MeasureAsync(10_000);
        var large = await MeasureAsync(1_000_000);

        Assert.True(large.SubmitTime < TimeSpan.FromSeconds(2), $"submitting a 1,000,000-shard job took {large.SubmitTime}");
        Assert.True(large.TimeToRunning < TimeSpan.FromSeconds(10), $"a 1,000,000-shard job took {large.TimeToRunning} to start running");
        // A completion costs at most one write of one partition (two bits a shard), and nothing that grows with the job.
        Assert.True(large.BytesPerCompletion < 1.25 * small.BytesPerCompletion + 16,
            $"bytes persisted per completion grew with the job: {small.BytesPerCompletion:F0} at 10,000 shards, {large.BytesPerCompletion:F0} at 1,000,000");
        Assert.True(large.BytesPerCompletion <= 1024, $"{large.BytesPerCompletion:F0} bytes per completion");
        Assert.True(large.WritesPerCompletion <= 1, $"{large.WritesPerCompletion:F2} writes per completion");
    }

    private async Task<(TimeSpan SubmitTime, TimeSpan TimeToRunning, double BytesPerCompletion, double WritesPerCompletion)> MeasureAsync(int shards)
    {
        var jobId = ClusterFixture.NewJobId($"scale{shards}");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { WriteMarkers = false });
        var watch = Stopwatch.StartNew();
        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(shards));
        var submitTime = watch.Elapsed;
        await fixture.WaitForAsync(jobId, s => s.State == JobState.Running);
        var timeToRunning = watch.Elapsed;

        var status = await fixture.WaitForAsync(jobId, s => s.ShardsDone >= CompletionsMeasured);
        var (writes, bytes) = fixture.Storage.WrittenBy(jobId);
        await fixture.Job(jobId).CancelAsync(abandonInFlight: true);
        Assert.Equal(shards, status.Shards);
        return (submitTime, timeToRunning, (double)bytes / status.ShardsDone, (double)writes / status.ShardsDone);
    }
}
