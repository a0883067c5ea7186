using Mae.Cluster.Silo.Dashboard;
using Mae.Cluster.Silo.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Mae.Cluster.Silo.Web;

/// <summary>
/// The silo's HTTP side, from sections <c>Mae:Health</c> and <c>Mae:Dashboard</c>: liveness and readiness endpoints,
/// the opt-in Orleans dashboard, and exactly the listeners they name (none when both are off).
/// </summary>
internal static partial class SiloWebHosting
{
    private const string ReadyTag = "ready";

    public static WebApplicationBuilder AddSiloWeb(this WebApplicationBuilder builder)
    {
        var health = builder.Configuration.GetSection(HealthOptions.Section).Get<HealthOptions>() ?? new HealthOptions();
        var dashboard = builder.Configuration.GetSection(SiloDashboardOptions.Section).Get<SiloDashboardOptions>() ?? new SiloDashboardOptions();
        var healthUrls = ListenerUrls.Parse($"{HealthOptions.Section}:Urls", health.Urls);
        var dashboardUrls = dashboard.Enabled ? ListenerUrls.Parse($"{SiloDashboardOptions.Section}:Urls", dashboard.Urls) : new ListenerUrls([]);
        if (dashboard.Enabled && dashboardUrls.IsEmpty)
        {
            throw new InvalidOperationException($"{SiloDashboardOptions.Section}:Enabled is true but {SiloDashboardOptions.Section}:Urls is empty: say where the dashboard listens.");
        }
        builder.Services.AddSingleton(new SiloWebPlan(healthUrls, dashboardUrls));

        builder.Services.AddHealthChecks().AddCheck<SiloReadinessCheck>(SiloReadinessCheck.Name, tags: [ReadyTag]);
        if (dashboard.Enabled)
        {
            // Every silo that runs the dashboard adds its grains and collectors; this one also serves the UI.
            builder.UseOrleans(silo => silo.AddDashboard());
        }

        var listeners = healthUrls.Urls.Concat(dashboardUrls.Urls).DistinctBy(u => (u.Host, u.Port)).ToArray();
        if (listeners.Length == 0)
        {
            builder.Services.AddSingleton<IServer, NoHttpServer>();
            return builder;
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var url in listeners)
            {
                if (ListenerUrls.AddressOf(url) is { } address)
                {
                    kestrel.Listen(address, url.Port);
                }
                else
                {
                    kestrel.ListenLocalhost(url.Port);
                }
            }
        });
        return builder;
    }

    public static WebApplication MapSiloWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var plan = app.Services.GetRequiredService<SiloWebPlan>();
        ServedOnPorts.UseServedOnPorts(app);
        if (!plan.Health.IsEmpty)
        {
            var ports = new ServedOnPorts(plan.Health.Ports);
            // Liveness runs no check: answering at all is the signal. Readiness asks membership and workers.
            app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).WithMetadata(ports);
            app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).WithMetadata(ports);
        }
        if (!plan.Dashboard.IsEmpty)
        {
            app.MapOrleansDashboard().WithMetadata(new ServedOnPorts(plan.Dashboard.Ports));
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SiloWebHosting));
            foreach (var url in plan.Dashboard.Urls.Where(u => !u.IsLoopback))
            {
                LogDashboardExposed(logger, url);
            }
        }
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Orleans dashboard listens on {Url}, beyond loopback, and has no authentication of its own: protect that address")]
    private static partial void LogDashboardExposed(ILogger logger, Uri url);

    /// <summary>What <see cref="AddSiloWeb"/> decided, for <see cref="MapSiloWeb"/>.</summary>
    private sealed record SiloWebPlan(ListenerUrls Health, ListenerUrls Dashboard);
}
