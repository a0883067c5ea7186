using Mae.Cluster.Grains.Tests.Infrastructure;
using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class JobLifecycleTests(ClusterFixture fixture)
{
    [Fact]
    public async Task JobOfManyShardsCompletesEveryShardOnceAcrossEverySilo()
    {
        var jobId = ClusterFixture.NewJobId("many");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Delay = TimeSpan.FromMilliseconds(10) });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(500));
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);

        Assert.Equal(500, status.Shards);
        Assert.Equal(500, status.ShardsDone);
        Assert.Equal(0, status.ShardsFailed);
        Assert.Equal(5000, status.ImagesDone);
        Assert.Equal(500 * 1000, status.InputBytes);
        Assert.Equal(Enumerable.Range(0, 500), fixture.Work.MarkedShards(jobId));
        var silos = fixture.Work.ExecutionsOf(jobId).Select(e => e.Silo).Distinct().ToArray();
        Assert.Equal(3, silos.Length);
        Assert.True(fixture.Outputs.Completed(jobId));
        Assert.DoesNotContain(jobId, await fixture.Client.GetGrain<IJobRegistryGrain>(0).GetActiveJobsAsync());
    }

    [Fact]
    public async Task ShardFailingEveryAttemptIsMarkedFailedWithItsReasonAndTheJobGoesOn()
    {
        var jobId = ClusterFixture.NewJobId("failing");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { FailingShards = new HashSet<int> { 7, 142 } });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(200));
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);

        Assert.Equal(198, status.ShardsDone);
        Assert.Equal(2, status.ShardsFailed);
        Assert.Equal(1980, status.ImagesDone);
        var failures = await fixture.Job(jobId).GetFailedShardsAsync(10);
        Assert.Equal([7, 142], failures.Select(f => f.Shard));
        Assert.All(failures, f => Assert.Equal(3, f.Attempts));
        Assert.All(failures, f => Assert.Contains("is corrupt (attempt 3)", f.Reason, StringComparison.Ordinal));
        // Exactly the default three attempts, no more.
        Assert.Equal(3, fixture.Work.AttemptsOf(jobId, 7));
        Assert.DoesNotContain(7, fixture.Work.MarkedShards(jobId));
        Assert.False(fixture.Outputs.Completed(jobId), "an output missing failed shards must not be marked whole");
        Assert.Equal(2, fixture.Outputs.RecordedFailedShards(jobId));
        Assert.StartsWith("Completed without 2 failed shard(s)", status.Reason, StringComparison.Ordinal);
        Assert.Contains("First: shard 7 after 3 attempts", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedShardsBeyondTheBudgetFailTheJob()
    {
        var jobId = ClusterFixture.NewJobId("shardbudget");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { FailingShards = Enumerable.Range(0, 20).ToHashSet() });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(400) with { MaxFailedShards = 2, MaxShardAttempts = 1 });
        var status = await fixture.WaitForStateAsync(jobId, JobState.Failed);

        // Partitions report concurrently, so the job may learn of a fourth failure in the same report as the third.
        var failed = System.Text.RegularExpressions.Regex.Match(status.Reason ?? "", @"^Error budget exceeded: (\d+) shards failed, at most 2 allowed\.$");
        Assert.True(failed.Success, status.Reason);
        Assert.InRange(int.Parse(failed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 3, 20);
        Assert.DoesNotContain(jobId, await fixture.Client.GetGrain<IJobRegistryGrain>(0).GetActiveJobsAsync());
    }

    [Fact]
    public async Task FailedImagesBeyondTheBudgetFailTheJob()
    {
        var jobId = ClusterFixture.NewJobId("imagebudget");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { FailedImagesPerShard = 1, Delay = TimeSpan.FromMilliseconds(5) });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(400) with { MaxFailedImages = 5 });
        var status = await fixture.WaitForStateAsync(jobId, JobState.Failed);

        Assert.StartsWith("Error budget exceeded: ", status.Reason, StringComparison.Ordinal);
        Assert.Contains("images failed, at most 5 allowed", status.Reason, StringComparison.Ordinal);
        Assert.True(status.ShardsDone < 400, $"the job should stop well before its end, but {status.ShardsDone} shards were done");
    }

    [Fact]
    public async Task AJobWhoseShardsAllRanButEmbeddedNothingFailsAndRecordsWhyInItsOutput()
    {
        var jobId = ClusterFixture.NewJobId("nothingembedded");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { ImagesPerShard = 0, FailedImagesPerShard = 2 });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(6));
        var status = await fixture.WaitForStateAsync(jobId, JobState.Failed);

        Assert.Equal(6, status.ShardsDone);
        Assert.Equal(12, status.ImagesFailed);
        Assert.StartsWith("No image was embedded: all 12 images failed", status.Reason, StringComparison.Ordinal);
        Assert.Equal(status.Reason, fixture.Outputs.RecordedFailure(jobId));
        Assert.False(fixture.Outputs.Completed(jobId));
    }

    [Fact]
    public async Task CancelStopsLeasingAndLetsInFlightShardsFinish()
    {
        var jobId = ClusterFixture.NewJobId("cancelgraceful");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Gate = gate });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(1000));
        await fixture.WaitForAsync(jobId, s => s.ShardsLeased >= 6);
        var cancelled = await fixture.Job(jobId).CancelAsync(abandonInFlight: false);
        gate.SetResult();
        var settled = await fixture.WaitForAsync(jobId, s => s.ShardsLeased == 0);

        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.Equal(JobState.Cancelled, settled.State);
        // Six workers hold at most two running, one queued and one in hand each: nothing beyond those was leased.
        Assert.InRange(settled.ShardsDone, 1, 6 * (new WorkerOptions().ShardsInFlight + 2));
        Assert.Equal(settled.ShardsDone, fixture.Work.ExecutionsOf(jobId).Count);
        Assert.DoesNotContain(jobId, await fixture.Client.GetGrain<IJobRegistryGrain>(0).GetActiveJobsAsync());
    }

    [Fact]
    public async Task EachDeviceWorksOnAsManyShardsAtOnceAsItsWorkerAllowsAndNoMore()
    {
        var jobId = ClusterFixture.NewJobId("inflight");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Gate = gate });
        var allowed = 6 * new WorkerOptions().ShardsInFlight; // three silos of two devices

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(1000));
        await Polling.WaitUntilAsync(() => fixture.Work.StartedShards(jobId) >= allowed, TimeSpan.FromSeconds(60), $"fewer than {allowed} shards ever ran at once");
        await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);

        Assert.Equal(allowed, fixture.Work.StartedShards(jobId));
        await fixture.Job(jobId).CancelAsync(abandonInFlight: true);
        gate.SetResult();
        await fixture.WaitForAsync(jobId, s => s.ShardsLeased == 0);
    }

    [Fact]
    public async Task CancelWithAbandonStopsInFlightShardsWithoutRecordingThem()
    {
        var jobId = ClusterFixture.NewJobId("cancelabandon");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Gate = gate });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(1000));
        await fixture.WaitForAsync(jobId, s => s.ShardsLeased >= 6);
        await fixture.Job(jobId).CancelAsync(abandonInFlight: true);
        // Renewals are refused, so every worker stops its shard and hands the lease back.
        var settled = await fixture.WaitForAsync(jobId, s => s.ShardsLeased == 0);
        gate.SetResult();

        Assert.Equal(JobState.Cancelled, settled.State);
        Assert.Equal(0, settled.ShardsDone);
        Assert.Empty(fixture.Work.ExecutionsOf(jobId));
    }

    [Fact]
    public async Task SubmittingTheSameJobTwiceIsIdempotentAndADifferentSpecUnderItsIdIsRefused()
    {
        var jobId = ClusterFixture.NewJobId("twice");
        var spec = FakeInputCatalog.Spec(100);

        var first = await fixture.Job(jobId).SubmitAsync(spec);
        var second = await fixture.Job(jobId).SubmitAsync(spec with { });
        var done = await fixture.WaitForStateAsync(jobId, JobState.Completed);
        var third = await fixture.Job(jobId).SubmitAsync(spec);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Job(jobId).SubmitAsync(spec with { Seed = 7 }));

        Assert.Equal(first.SubmittedAt, second.SubmittedAt);
        Assert.Equal(JobState.Completed, third.State);
        Assert.Equal(100, done.ShardsDone);
        Assert.Equal(1000, done.ImagesDone);
        Assert.Contains("already exists with a different spec", refused.Message, StringComparison.Ordinal);
        Assert.Single(await fixture.Client.GetGrain<IJobRegistryGrain>(0).GetAllJobsAsync(), id => id == jobId);
    }

    [Fact]
    public async Task UnusableSpecIsRefusedNamingTheFieldAndStartsNoWork()
    {
        var jobId = ClusterFixture.NewJobId("badspec");

        var refused = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(10) with { ShardSize = 0, MaxShardAttempts = 0 }));

        Assert.Contains("ShardSize must be between 1 and 1,000,000 (was 0)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("MaxShardAttempts must be between 1 and 63 (was 0)", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(jobId, await fixture.Client.GetGrain<IJobRegistryGrain>(0).GetAllJobsAsync());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => fixture.Job(jobId).GetStatusAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task MissingInputFailsTheJobWithAReasonNamingIt()
    {
        var jobId = ClusterFixture.NewJobId("missing");

        await fixture.Job(jobId).SubmitAsync(new JobSpec { Input = "/nowhere/at/all", Output = "unused" });
        var status = await fixture.WaitForStateAsync(jobId, JobState.Failed);

        Assert.Contains("/nowhere/at/all", status.Reason, StringComparison.Ordinal);
        Assert.Equal(0, status.Shards);
    }
}
