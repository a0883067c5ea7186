using System.Text.Json;
using Npgsql;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// Real silo processes with <c>Mae:Cluster:Clustering=Postgres</c>: membership and grain state in a PostgreSQL server of
/// the test's own (an empty database each), job data in local folders, jobs submitted and followed by the <c>mae</c> CLI,
/// which finds the gateways through the same database.
/// </summary>
[Collection(typeof(PostgresTestGroup))]
public sealed class PostgresSiloProcessTests(PostgresServer postgres)
{
    private const int Shards = 48;
    private const int ImagesPerShard = 4;
    private static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task PostgresClusteredSilosRunAJobThatTheCliSubmitsListsAndFollowsThroughTheDatabase()
    {
        var connectionString = await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        await using var cluster = new SiloProcessCluster(SiloProcessBackend.Postgres(connectionString), leaseDuration: TimeSpan.FromSeconds(30));
        try
        {
            var data = FolderJobData.Create(cluster.Folder("data"), shards: 6, ImagesPerShard);
            await cluster.StartSiloAsync("first");
            await cluster.StartSiloAsync("second");
            var jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);

            var jobId = await jobs.SubmitAsync(new JobSpec { Input = data.Input, Output = data.Output, Model = "tiny" });
            var status = await jobs.WaitUntilCompletedAsync(jobId, JobDeadline);
            var listed = await BuiltProgram.Mae.RunAsync(cluster.CliEnvironment, "list", "--json");

            Assert.True(listed.ExitCode == 0, listed.StdErr);
            using var job = JsonDocument.Parse(listed.StdOut.Trim());
            Assert.Equal(jobId, job.RootElement.GetProperty("jobId").GetString());
            Assert.Equal(6, status.ShardsDone);
            data.AssertEveryImageExactlyOnce(status);
            foreach (var silo in cluster.Silos)
            {
                Assert.DoesNotContain(postgres.Password, await silo.ReadLogAsync(), StringComparison.Ordinal);
            }
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    [Fact]
    public async Task KilledSiloProcessOnPostgresLosesNoImageAndTheSurvivorRedoesTheShardsItHeld()
    {
        var connectionString = await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        await using var cluster = new SiloProcessCluster(SiloProcessBackend.Postgres(connectionString), leaseDuration: TimeSpan.FromSeconds(3));
        try
        {
            var data = FolderJobData.Create(cluster.Folder("data"), Shards, ImagesPerShard);
            var victim = await cluster.StartSiloAsync("victim");
            var survivor = await cluster.StartSiloAsync("survivor");
            var jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);
            var jobId = await jobs.SubmitAsync(new JobSpec { Input = data.Input, Output = data.Output, Model = "tiny" });

            var (held, doneBefore) = await LeaseWatch.WaitUntilHoldingLeasesAsync(cluster, jobs, jobId, victim, Shards, JobDeadline);
            await victim.KillAsync();
            var status = await jobs.WaitUntilCompletedAsync(jobId, JobDeadline);
            var after = await PartitionBooks.ReadAsync(cluster.Client, jobId, Shards, SiloProcessCluster.PartitionSize);

            Assert.InRange(doneBefore, 1, Shards - held.Count);
            Assert.Equal(Shards, status.ShardsDone);
            Assert.Equal(0, status.ShardsFailed);
            Assert.All(after, r => Assert.Equal(ShardState.Done, r.State));
            Assert.False(survivor.HasExited);
            data.AssertEveryImageExactlyOnce(status);
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    [Fact]
    public async Task EverySiloProcessStoppingMidJobLeavesTheJobInPostgresAndNewProcessesFinishItWithoutRedoingCommittedShards()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        await using var cluster = new SiloProcessCluster(SiloProcessBackend.Postgres(connectionString), leaseDuration: TimeSpan.FromSeconds(30));
        try
        {
            var data = FolderJobData.Create(cluster.Folder("data"), Shards, ImagesPerShard);
            await cluster.StartSiloAsync("first");
            await cluster.StartSiloAsync("second");
            var jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);
            var jobId = await jobs.SubmitAsync(new JobSpec { Input = data.Input, Output = data.Output, Model = "tiny" });

            await jobs.WaitForAsync(jobId, s => s.Shards == Shards && s.ShardsDone >= 3, JobDeadline);
            foreach (var silo in cluster.Silos.ToArray())
            {
                await silo.TerminateAsync(TimeSpan.FromSeconds(60));
            }
            var committedBeforeStop = data.CommitTimes();
            // With every silo gone, the job and its partitions are only in PostgreSQL.
            var storedGrains = await StoredGrainsAsync(connectionString, jobId, cancellationToken);
            await cluster.StartSiloAsync("third");
            await cluster.StartSiloAsync("fourth");
            jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);
            var status = await jobs.WaitUntilCompletedAsync(jobId, JobDeadline);

            Assert.InRange(committedBeforeStop.Count, 3, Shards - 1);
            // The job grain and its partitions ({job}/0 …), each a row of OrleansStorage.
            Assert.True(storedGrains >= 2, $"expected the job's and its partitions' state in OrleansStorage, found {storedGrains} rows");
            Assert.Equal(Shards, status.ShardsDone);
            data.AssertEveryImageExactlyOnce(status);
            var after = data.CommitTimes();
            Assert.Equal(Shards, after.Count);
            // A shard committed before the stop is never written again.
            Assert.All(committedBeforeStop, c => Assert.Equal(c.Value, after[c.Key]));
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    [Fact]
    public async Task TwoSilosStartingAtOnceOnAnEmptyDatabaseBothComeUpOneCreatesTheTablesAndALaterSiloFindsThem()
    {
        var connectionString = await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        await using var cluster = new SiloProcessCluster(SiloProcessBackend.Postgres(connectionString), leaseDuration: TimeSpan.FromSeconds(30));
        try
        {
            await Task.WhenAll(cluster.StartSiloAsync("first"), cluster.StartSiloAsync("second"));
            var later = await cluster.StartSiloAsync("later");

            var logs = await Task.WhenAll(cluster.Silos.Select(s => s.ReadLogAsync()));
            Assert.Equal(1, logs.Count(l => l.Contains("Created Orleans' tables in PostgreSQL", StringComparison.Ordinal)));
            Assert.Equal(2, logs.Count(l => l.Contains("Found Orleans' tables in PostgreSQL", StringComparison.Ordinal)));
            Assert.Contains("Found Orleans' tables in PostgreSQL", await later.ReadLogAsync(), StringComparison.Ordinal);
            Assert.All(cluster.Silos, s => Assert.False(s.HasExited));
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    [Fact]
    public async Task SiloThatCannotReachPostgresStopsNamingTheServerButNotThePassword()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var port = FreePort.OnLoopback();
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var unreachable = $"Host=127.0.0.1;Port={port};Database=mae;Username=mae;Password={password};Timeout=5";
        await using var cluster = new SiloProcessCluster(SiloProcessBackend.Postgres(unreachable), leaseDuration: TimeSpan.FromSeconds(30));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartSiloAsync("unreachable"));

        Assert.Contains("exited with code", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"Cannot reach PostgreSQL 127.0.0.1:{port}/mae as mae, named by Mae:Cluster:ConnectionString", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, await cluster.Silos[0].ReadLogAsync(), StringComparison.Ordinal);
        Assert.NotEqual(0, cluster.Silos[0].ExitCode);
        _ = cancellationToken;
    }

    /// <summary>Rows of OrleansStorage whose grain key names <paramref name="jobId"/>: the job grain and its partitions.</summary>
    private static async Task<long> StoredGrainsAsync(string connectionString, string jobId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM orleansstorage WHERE grainidextensionstring LIKE @job", connection);
        count.Parameters.AddWithValue("job", $"%{jobId}%");
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}
