namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// A partition's silo killed while another silo's worker has one of its shards in flight: the shard commits during the
/// outage, and its completion report must wait out the membership's death detection (about 15 s with Orleans'
/// defaults, longer than a fixed few tries) to reach the partition's new activation.
/// </summary>
[Collection(SiloProcessCollection.Name)]
public sealed class PartitionSiloLossTests(AzuriteWithTables storage)
{
    private const int Shards = 32;
    /// <summary>At one image per model call, a shard runs for about a second; at most the photos there are, so keys stay distinct.</summary>
    private const int ImagesPerShard = 20;
    private static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a partition must have recorded no outcome before the kill, so that its outcomes so far are written (it
    /// writes at once here) and only the held shard's report is at stake: an outcome lost with the activation would
    /// have its shard leased again, whatever the worker does.
    /// </summary>
    private static readonly TimeSpan QuietBooks = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task CompletionReportedDuringThePartitionSilosDeathReachesItsNewActivationAndTheShardIsNotLeasedAgain()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Leases far longer than the test: a shard can be leased again only because its partition's activation forgot it.
        await using var cluster = new SiloProcessCluster(storage.Azurite, leaseDuration: TimeSpan.FromMinutes(10),
            new Dictionary<string, string> { ["Mae__Coordinator__PersistInterval"] = "00:00:00" });
        try
        {
            var data = await BlobJobData.CreateAsync(storage.Azurite, Shards, ImagesPerShard, cancellationToken);
            // The victim only hosts grains: every shard runs on the worker silo, so no work dies with the victim.
            var victim = await cluster.StartSiloAsync("grains", new Dictionary<string, string> { ["Mae__Worker__Devices"] = "none" });
            // One shard at a time: a partition's books then go quiet for most of each shard's run.
            var worker = await cluster.StartSiloAsync("worker", new Dictionary<string, string> { ["Mae__Worker__ShardsInFlight"] = "1" });
            var jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);
            var jobId = await jobs.SubmitAsync(new JobSpec { Input = data.Input, Output = data.Output, Model = "tiny" });

            var held = await WaitUntilWorkerHoldsAShardOfAVictimPartitionAsync(cluster, jobs, jobId, victim, worker);
            await victim.KillAsync();
            var status = await jobs.WaitUntilCompletedAsync(jobId, JobDeadline);
            var after = (await PartitionBooks.ReadAsync(cluster.Client, jobId, Shards, SiloProcessCluster.PartitionSize)).ToDictionary(r => r.Shard);

            Assert.Equal(Shards, status.ShardsDone);
            Assert.Equal(0, status.ShardsFailed);
            // No shard was leased again to be found committed: the held shard's report got through the outage.
            Assert.Equal(0, status.ShardsAlreadyCommitted);
            Assert.Equal(ShardState.Done, after[held.Shard].State);
            Assert.All(after.Values, r => Assert.Equal(1, r.Attempts));
            // The report did meet the outage (this test is about its retries, not a report that beat the kill).
            Assert.Contains("outcome report attempt", await worker.ReadLogAsync(), StringComparison.Ordinal);
            Assert.False(worker.HasExited);
            var written = await data.OutputKeysAsync(cluster.Folder("metadata"), cancellationToken);
            Assert.Equal(data.Keys.Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
            Assert.Equal(Shards, await data.CountAsync("_commits/", cancellationToken));
            Assert.True(await data.ExistsAsync("_SUCCESS", cancellationToken));
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until the worker silo holds a shard of a partition activated on the victim that has recorded no outcome for
    /// <see cref="QuietBooks"/>.
    /// </summary>
    private static async Task<ShardRecord> WaitUntilWorkerHoldsAShardOfAVictimPartitionAsync(
        SiloProcessCluster cluster, ClusterJobs jobs, string jobId, SiloProcess victim, SiloProcess worker)
    {
        await jobs.WaitForAsync(jobId, s => s.Shards == Shards, JobDeadline);
        var partitions = (Shards + SiloProcessCluster.PartitionSize - 1) / SiloProcessCluster.PartitionSize;
        var seen = new Dictionary<int, (string Books, DateTime Since)>();
        var limit = DateTime.UtcNow + JobDeadline;
        while (true)
        {
            for (var p = 0; p < partitions; p++)
            {
                var partition = cluster.Client.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(jobId, p));
                var books = await partition.GetShardsAsync();
                var text = string.Join(";", books.Where(r => r.State is ShardState.Done or ShardState.Failed).Select(r => r.Shard));
                if (!seen.TryGetValue(p, out var last) || last.Books != text)
                {
                    seen[p] = (text, DateTime.UtcNow);
                    continue;
                }
                var held = books.FirstOrDefault(r => r.State == ShardState.Leased && worker.OwnsWorker(r.LeasedBy));
                if (held is not null && DateTime.UtcNow - last.Since >= QuietBooks &&
                    await cluster.HostOfAsync(partition) == victim)
                {
                    return held;
                }
            }
            Assert.True(DateTime.UtcNow < limit, $"The worker never held a shard of a partition on silo {victim.Name}.");
            Assert.False((await jobs.WaitForAsync(jobId, _ => true, JobDeadline)).State.IsTerminal(), $"Job {jobId} ended before the moment to kill came.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
