using System.Globalization;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// <c>mae status --watch</c>, a real CLI process, follows a job on two real silo processes (Azurite) while the silo
/// hosting the job grain is killed with SIGKILL: it says in a line of its own that it lost contact and is retrying,
/// never prints Orleans' log, has a fresh status within seconds of the kill (not after Orleans' 30 s response
/// timeout), follows the job to its end and exits 0.
/// </summary>
[Collection(SiloProcessCollection.Name)]
public sealed class WatchThroughSiloLossTests(AzuriteWithTables storage)
{
    private const int Shards = 24;
    private const int ImagesPerShard = 4;
    private static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Generous: the membership declares the dead silo dead and the job grain comes back on the survivor within about
    /// ten seconds here; a watch waiting out Orleans' response timeout takes 30 s or more.
    /// </summary>
    private static readonly TimeSpan FreshStatusAfterKill = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WatchFollowsTheJobThroughTheKillOfTheJobGrainsSiloWithItsOwnLineAndNoOrleansLog()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = new SiloProcessCluster(storage.Azurite, leaseDuration: TimeSpan.FromSeconds(3));
        RunningProgram? watch = null;
        try
        {
            var data = await BlobJobData.CreateAsync(storage.Azurite, Shards, ImagesPerShard, cancellationToken);
            await cluster.StartSiloAsync("a");
            await cluster.StartSiloAsync("b");
            var jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);
            var jobId = await jobs.SubmitAsync(new JobSpec { Input = data.Input, Output = data.Output, Model = "tiny" });
            watch = BuiltProgram.Mae.Start(cluster.CliEnvironment, "status", jobId, "--watch");
            await jobs.WaitForAsync(jobId, s => s.Shards == Shards && s.ShardsDone >= 1, JobDeadline);
            await WaitForStatusLineAsync(watch, jobId);

            var host = await cluster.HostOfAsync(cluster.Client.GetGrain<IJobGrain>(jobId));
            Assert.NotNull(host);
            var killedAt = DateTimeOffset.UtcNow;
            await host.KillAsync();
            var result = await watch.WaitAsync().WaitAsync(JobDeadline, cancellationToken);
            var status = await cluster.Client.GetGrain<IJobGrain>(jobId).GetStatusAsync(cancellationToken);

            var stderr = watch.StdErrLines;
            var transcript = string.Join('\n', stderr.Select(l => $"{(l.At - killedAt).TotalSeconds,7:F1} s  {l.Text}"));
            TestContext.Current.TestOutputHelper?.WriteLine($"mae status --watch, seconds from the kill:\n{transcript}");
            Assert.True(result.ExitCode == 0, $"mae status --watch exited {result.ExitCode}:\n{transcript}");
            Assert.DoesNotContain(stderr, l => l.Text.Contains("warn:", StringComparison.Ordinal) || l.Text.Contains("fail:", StringComparison.Ordinal)
                || l.Text.Contains("Response did not arrive", StringComparison.Ordinal) || l.Text.TrimStart().StartsWith("at ", StringComparison.Ordinal));
            var lost = stderr.FirstOrDefault(l => l.Text.StartsWith("lost contact with the cluster's job coordinator", StringComparison.Ordinal));
            Assert.True(lost is not null && lost.At > killedAt, $"No lost-contact line after the kill:\n{transcript}");
            var restored = stderr.First(l => l.At > lost.At && l.Text.StartsWith("the job coordinator answers again", StringComparison.Ordinal));
            var fresh = stderr.First(l => l.At >= restored.At && l.Text.StartsWith(jobId + " ", StringComparison.Ordinal));
            Assert.True(fresh.At - killedAt < FreshStatusAfterKill,
                string.Create(CultureInfo.InvariantCulture, $"The first status after the kill came {(fresh.At - killedAt).TotalSeconds:F1} s after it:\n{transcript}"));
            Assert.Equal(JobState.Completed, status.State);
            Assert.Equal(Shards, status.ShardsDone);
            Assert.Contains(stderr, l => l.Text.StartsWith($"{jobId} completed: {Shards}/{Shards} shards", StringComparison.Ordinal));
            // The job grain's new activation finds the commit records of shards done before the kill, and may count
            // some as committed earlier ("24 shards (22 computed now, 2 already committed)"): the line says so.
            Assert.Contains(stderr, l => l.Text.StartsWith(string.Create(CultureInfo.InvariantCulture, $"Completed: {Shards} shards"), StringComparison.Ordinal)
                && l.Text.Contains(string.Create(CultureInfo.InvariantCulture, $"{Shards * ImagesPerShard} images embedded"), StringComparison.Ordinal));
            var written = await data.OutputKeysAsync(cluster.Folder("metadata"), cancellationToken);
            Assert.Equal(data.Keys.Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
        finally
        {
            watch?.Dispose();
        }
    }

    /// <summary>Waits until the watch has printed the job's status once: it is connected and following.</summary>
    private static async Task WaitForStatusLineAsync(RunningProgram watch, string jobId)
    {
        var limit = DateTime.UtcNow + JobDeadline;
        while (!watch.StdErrLines.Any(l => l.Text.StartsWith(jobId + " ", StringComparison.Ordinal)))
        {
            Assert.False(watch.HasExited, "mae status --watch ended before it printed a status.");
            Assert.True(DateTime.UtcNow < limit, "mae status --watch printed no status.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
