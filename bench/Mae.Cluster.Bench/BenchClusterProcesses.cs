using System.Globalization;
using Mae.Cluster.Client;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae-bench cluster --processes</c>: each silo a process of its own (<see cref="SiloProcessGroup"/>), reached by a
/// client the way <c>mae submit</c> reaches a cluster; beside the rate, each silo process's peak resident memory.
/// </summary>
internal static class BenchClusterProcesses
{
    /// <summary>
    /// Starts <paramref name="count"/> silo processes, runs a warm-up job of two one-image shards per silo (each loads
    /// its model, or its simulated device's config, before the clock starts), then the measured job.
    /// </summary>
    public static async Task<BenchClusterCommand.Measurement> MeasureAsync(BenchClusterCommand.Settings settings, MaeClusterOptions cluster, int count,
        byte[][] jpegs, string input, string work, CancellationToken cancellationToken)
    {
        var home = Directory.CreateDirectory(Path.Combine(work, "mae-home")).FullName;
        var environment = new Dictionary<string, string>
        {
            ["Mae__Worker__Devices"] = settings.Device,
            ["Mae__Worker__AllowSimulatedDevices"] = (settings.SimulatedRate is not null).ToString(),
            ["Mae__Worker__IdleDelay"] = "00:00:00.100",
            ["Mae__Inference__BatchSize"] = settings.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Mae__Inference__GraphCacheDirectory"] = Path.Combine(home, "graphs"),
            // Each shard's log line costs every silo CPU on a small machine; warnings still reach the logs.
            ["Logging__LogLevel__Default"] = "Warning",
            ["MAE_HOME"] = home,
        };
        // Fresh identities per count: with AzureStorage clustering, silos of the last count must not be taken for members.
        var fresh = new MaeClusterOptions
        {
            ClusterId = string.Create(CultureInfo.InvariantCulture, $"{cluster.ClusterId}-{count}"), ServiceId = cluster.ServiceId,
            Clustering = cluster.Clustering, ConnectionString = cluster.ConnectionString,
        };
        var silos = await SiloProcessGroup.StartAsync(count, environment, fresh, Directory.CreateDirectory(Path.Combine(work, "logs")).FullName, cancellationToken)
            .ConfigureAwait(false);
        await using (silos.ConfigureAwait(false))
        {
            var connection = await ClusterConnection.ConnectAsync(silos.Client, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var warmInput = BenchClusterCommand.WriteLooseImages(Path.Combine(work, $"warm-input-{count}"), jpegs, 2 * count);
                await BenchClusterCommand.RunJobAsync(connection.Jobs, settings with { ShardSize = 1 }, warmInput, Path.Combine(work, $"warm-output-{count}"), cancellationToken)
                    .ConfigureAwait(false);
                var status = await BenchClusterCommand.RunJobAsync(connection.Jobs, settings, input, Path.Combine(work, $"output-{count}"), cancellationToken)
                    .ConfigureAwait(false);
                return BenchClusterCommand.Measured(status, count, settings.ImagesFor(count), silos.PeakResidentBytes());
            }
        }
    }
}
