using Mae.Cluster.Grains.Tests.Infrastructure;

namespace Mae.Cluster.Grains.Tests.Pipeline;

/// <summary>Job state kept in the test process's shared store, which outlives the silos.</summary>
[Collection(PipelineChurnClusterCollection.Name)]
public sealed class RealPipelineRestartTests(PipelineChurnClusterFixture fixture) : PipelineRestartScenario(fixture);

/// <summary>Job state kept where a deployed cluster keeps it: Azure Blob grain storage, here on Azurite.</summary>
[Collection(AzuritePipelineClusterCollection.Name)]
public sealed class AzuriteRealPipelineRestartTests(AzuritePipelineClusterFixture fixture) : PipelineRestartScenario(fixture)
{
    [Fact]
    public async Task JobStateLivesInTheAzuriteGrainStateContainer()
    {
        var (input, _) = fixture.WriteTarInput(shards: 1);
        var jobId = ClusterFixture.NewJobId("stored");

        await fixture.Job(jobId).SubmitAsync(new JobSpec { Input = input, Output = fixture.NewOutputFolder(), Model = fixture.Model });
        await fixture.WaitForStateAsync(jobId, JobState.Completed);

        var blobs = await fixture.StateBlobsAsync(TestContext.Current.CancellationToken);
        // The job grain's state and its partition's ("{job}/0"), each a blob named after its grain.
        var ofJob = blobs.Where(b => b.Contains(jobId, StringComparison.Ordinal)).ToArray();
        Assert.True(ofJob.Length >= 2, $"expected the job's and its partition's state blobs, found: {string.Join(", ", blobs)}");
    }
}

/// <summary>
/// Every silo stops mid-job and new ones start: the job finishes from its persisted state without redoing a committed
/// shard. Run against each kind of job grain storage by the classes above.
/// </summary>
public abstract class PipelineRestartScenario(PipelineClusterFixture fixture)
{
    [Fact]
    public async Task JobSurvivesEverySiloStoppingAndFinishesOnNewSilosWithoutRedoingCommittedShards()
    {
        var (input, keys) = fixture.WriteLooseInput();
        var output = fixture.NewOutputFolder();
        var jobId = ClusterFixture.NewJobId("restart");

        await fixture.Job(jobId).SubmitAsync(new JobSpec { Input = input, Output = output, Model = fixture.Model, ShardSize = 1 });
        // The commit records, not the job's status: partitions report their outcomes a persist interval later.
        await Polling.WaitUntilAsync(() => CommitTimes(output).Count >= 3, TimeSpan.FromSeconds(60), "no three shards were committed");
        foreach (var silo in fixture.Cluster.Silos.ToArray())
        {
            await fixture.Cluster.StopSiloAsync(silo, TestContext.Current.CancellationToken);
        }
        var committedBeforeStop = CommitTimes(output);
        var executedBeforeRestart = fixture.Executions.Of(jobId);
        await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.StartAdditionalSiloAsync();
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);

        Assert.InRange(committedBeforeStop.Count, 3, keys.Length - 1);
        Assert.Equal(keys.Length, status.ShardsDone);
        Assert.Equal(keys.Length, status.ImagesDone);
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
        var after = CommitTimes(output);
        Assert.Equal(keys.Length, after.Count);
        // A shard committed before the stop is never written again (at most asked again, and answered from its record).
        Assert.All(committedBeforeStop, c => Assert.Equal(c.Value, after[c.Key]));
        var executions = fixture.Executions.Of(jobId);
        Assert.Equal(Enumerable.Range(0, keys.Length), executions.Keys.Order());
        // A stopping worker reports every shard it committed before its silo goes, and a stopping partition writes what
        // it was told, so the new silos never ask for one again. (A run the stop cancelled before its commit may have
        // been redone by a silo that stopped later: that is before the restart and not counted here.)
        Assert.All(committedBeforeStop.Keys, c => Assert.Equal(executedBeforeRestart[ShardOf(c)], executions[ShardOf(c)]));
    }

    private static int ShardOf(string commitFile) =>
        int.Parse(commitFile.AsSpan("shard_".Length, 5), System.Globalization.CultureInfo.InvariantCulture);

    private static Dictionary<string, DateTime> CommitTimes(string output)
    {
        var folder = Path.Combine(output, "_commits");
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.GetLastWriteTimeUtc)
            : [];
    }
}
