using Mae.Cluster.Grains.Workers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace Mae.Cluster.Silo.Health;

/// <summary>
/// Ready means this silo can take work: the cluster's membership lists it as Active (so grains may be placed here
/// and its gateway accepts clients) and every one of its device workers is running (none has stopped or crashed).
/// </summary>
internal sealed class SiloReadinessCheck(
    IClusterMembershipService membership, ILocalSiloDetails silo, IEnumerable<IHostedService> hostedServices) : IHealthCheck
{
    public const string Name = "silo";

    private readonly ShardWorker[] _workers = hostedServices.OfType<ShardWorker>().ToArray();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Silo {silo.SiloAddress} is {status} in the cluster membership, not Active."));
        }
        var stopped = _workers.Where(w => w.ExecuteTask is not { IsCompleted: false }).Select(w => w.Device).ToArray();
        if (stopped.Length > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Workers not running for device(s): {string.Join(", ", stopped)}."));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"Active with {_workers.Length} running worker(s)."));
    }
}
