using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// Real silo processes of one test's cluster, with membership and grain state in a <see cref="SiloProcessBackend"/>
/// (Azurite's tables and blobs, or PostgreSQL) under a cluster id of its own, one CPU worker each, short leases, and an
/// Orleans client in the test process. On
/// dispose every process is killed; <see cref="DumpLogsAsync"/> prints their logs (call it when a test fails).
/// </summary>
internal sealed class SiloProcessCluster : IAsyncDisposable
{
    /// <summary>Shards per partition grain: small, so partitions (and their state) spread over both silos.</summary>
    public const int PartitionSize = 4;

    private readonly SiloProcessBackend _backend;
    private readonly TempDirectory _root = new();
    private readonly Dictionary<string, string> _settings;
    private readonly List<SiloProcess> _silos = [];
    private IHost? _client;

    public SiloProcessCluster(AzuriteFixture azurite, TimeSpan leaseDuration, IReadOnlyDictionary<string, string>? settings = null)
        : this(SiloProcessBackend.Azurite(azurite), leaseDuration, settings)
    {
    }

    public SiloProcessCluster(SiloProcessBackend backend, TimeSpan leaseDuration, IReadOnlyDictionary<string, string>? settings = null)
    {
        _backend = backend;
        ClusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
        _settings = new Dictionary<string, string>(backend.Settings)
        {
            ["Mae__Cluster__ClusterId"] = ClusterId,
            ["Mae__Cluster__ServiceId"] = ServiceId,
            ["Mae__Coordinator__PartitionSize"] = PartitionSize.ToString(CultureInfo.InvariantCulture),
            ["Mae__Coordinator__LeaseDuration"] = leaseDuration.ToString("c", CultureInfo.InvariantCulture),
            ["Mae__Worker__Devices"] = "cpu",
            ["Mae__Worker__RenewInterval"] = "00:00:00.500",
            ["Mae__Worker__IdleDelay"] = "00:00:00.100",
            ["Mae__Worker__Prefetch"] = "1",
            // One image per model call: slow enough that a silo is still busy when the test acts.
            ["Mae__Inference__BatchSize"] = "1",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public const string ServiceId = "mae-tests";

    public string ClusterId { get; }

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("Connect first.");

    /// <summary>The silo process holding <paramref name="grain"/>'s activation as the cluster last knew it; null when none does.</summary>
    public async Task<SiloProcess?> HostOfAsync(IAddressable grain)
    {
        var address = await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        return address is null ? null : _silos.SingleOrDefault(s => s.SiloPort == address.Endpoint.Port);
    }

    /// <summary>What the <c>mae</c> CLI needs to reach this cluster and its data: the silos' own Mae:Cluster settings.</summary>
    public IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string>(_backend.Settings)
    {
        ["Mae__Cluster__ClusterId"] = ClusterId,
        ["Mae__Cluster__ServiceId"] = ServiceId,
        ["MAE_HOME"] = Folder("cli-home"),
    };

    /// <summary>A scratch folder of this test (logs, downloads).</summary>
    public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root.Path, name)).FullName;

    /// <summary>Starts a silo on free ports with its own MAE_HOME and graph cache, and waits until /readyz says 200.</summary>
    public async Task<SiloProcess> StartSiloAsync(string name, IReadOnlyDictionary<string, string>? extra = null)
    {
        var ports = FreePort.OnLoopback(3);
        var (siloPort, healthPort, gatewayPort) = (ports[0], ports[1], ports[2]);
        var environment = new Dictionary<string, string>(_settings)
        {
            ["Mae__Cluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Mae__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Mae__Health__Urls"] = $"http://127.0.0.1:{healthPort}",
            ["Mae__Inference__GraphCacheDirectory"] = Folder($"{name}-graphs"),
            ["MAE_HOME"] = Folder($"{name}-home"),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var silo = SiloProcess.Start(name, siloPort, healthPort, environment, Folder("logs"));
        _silos.Add(silo);
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        return silo;
    }

    /// <summary>
    /// An Orleans client in the test process that finds the gateways through the same membership table; called again
    /// (after every silo was replaced), it replaces the last one.
    /// </summary>
    public async Task<IClusterClient> ConnectAsync()
    {
        await DisconnectAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            _backend.ConfigureClient(client);
        });
        _client = builder.Build();
        await _client.StartAsync(TestContext.Current.CancellationToken);
        return Client;
    }

    /// <summary>Writes every silo's log to the test output.</summary>
    public async Task DumpLogsAsync()
    {
        foreach (var silo in _silos)
        {
            var log = await silo.ReadLogAsync();
            // The tail is where a failure shows; the whole log stays in the file while the test runs.
            TestContext.Current.TestOutputHelper?.WriteLine($"===== silo {silo.Name} (pid {silo.Id}, silo port {silo.SiloPort}) =====\n{(log.Length > 60_000 ? log[^60_000..] : log)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        await DisconnectAsync();
        _root.Dispose();
    }

    private async Task DisconnectAsync()
    {
        if (_client is null)
        {
            return;
        }
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _client.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The silos are gone; a client that cannot say goodbye is fine here.
        }
        _client.Dispose();
        _client = null;
    }
}
