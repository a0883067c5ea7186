using Mae.Cluster.Grains.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Mae.Cluster.Grains;

/// <summary>Registers what a Mae silo needs besides Orleans itself: coordinator options and per-device workers.</summary>
public static class MaeSiloServiceCollectionExtensions
{
    /// <summary>Coordinator options (bound by the host) and the clock the grains use.</summary>
    public static IServiceCollection AddMaeCoordinator(this IServiceCollection services)
    {
        services.AddOptions<CoordinatorOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// One <see cref="ShardWorker"/> per device, and the silo's <see cref="ShardRuns"/> behind its inference grains.
    /// Register after <c>UseOrleans</c>: hosted services stop in reverse order, so workers stop (and release their
    /// leases) while the silo can still take the calls.
    /// </summary>
    /// <exception cref="ArgumentException">A device is named twice: one worker per device runs as many shards at once as <see cref="WorkerOptions.ShardsInFlight"/> allows.</exception>
    public static IServiceCollection AddShardWorkers(this IServiceCollection services, IEnumerable<string> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var named = devices.ToArray();
        if (named.GroupBy(d => d, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Device '{twice.Key}' is named twice: one worker runs each device ({WorkerOptions.Section}:{nameof(WorkerOptions.ShardsInFlight)} sets how many shards it runs at once).", nameof(devices));
        }
        services.AddOptions<WorkerOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ShardRuns>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<WorkerMetrics>();
        foreach (var device in named)
        {
            services.AddSingleton<IHostedService>(sp => new ShardWorker(
                device,
                $"{sp.GetRequiredService<ILocalSiloDetails>().SiloAddress}/{device}",
                sp.GetRequiredService<IGrainFactory>(),
                sp.GetRequiredService<IOptions<WorkerOptions>>().Value,
                sp.GetRequiredService<WorkerMetrics>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ShardWorker>>()));
        }
        return services;
    }
}
