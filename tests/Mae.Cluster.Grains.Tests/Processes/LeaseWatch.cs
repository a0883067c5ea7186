namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>Waits on the partitions' books (not on time) for the moment a test acts on a silo mid-job.</summary>
internal static class LeaseWatch
{
    /// <summary>
    /// Waits until some of the job's <paramref name="shards"/> are done and <paramref name="silo"/> holds leases; returns
    /// the shards it holds and how many were done then.
    /// </summary>
    public static async Task<(IReadOnlyList<ShardRecord> Held, int Done)> WaitUntilHoldingLeasesAsync(
        SiloProcessCluster cluster, ClusterJobs jobs, string jobId, SiloProcess silo, int shards, TimeSpan deadline)
    {
        await jobs.WaitForAsync(jobId, s => s.Shards == shards && s.ShardsDone >= 1, deadline);
        var limit = DateTime.UtcNow + deadline;
        while (true)
        {
            var books = await PartitionBooks.ReadAsync(cluster.Client, jobId, shards, SiloProcessCluster.PartitionSize);
            var held = books.Where(r => r.State == ShardState.Leased && silo.OwnsWorker(r.LeasedBy)).ToArray();
            if (held.Length > 0)
            {
                return (held, books.Count(r => r.State == ShardState.Done));
            }
            Assert.True(DateTime.UtcNow < limit, $"Silo {silo.Name} never held a lease of job {jobId}.");
            Assert.True(books.Any(r => r.State != ShardState.Done), $"Job {jobId} finished before silo {silo.Name} was seen holding a lease.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
