using System.Globalization;
using Azure.Data.Tables;
using Mae.Cluster.Grains;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mae.Cluster.Client;

/// <summary>
/// A connected Orleans client for the cluster commands, configured like the silos: section <c>Mae:Cluster</c> from an
/// optional JSON file, then environment variables (<c>Mae__Cluster__Clustering=AzureStorage</c>, ...). Disposing
/// it closes the connection.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long to try reaching a gateway before saying the cluster cannot be reached.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly IHost _host;

    private ClusterConnection(IHost host)
    {
        _host = host;
        Jobs = new MaeClusterClient(host.Services.GetRequiredService<IClusterClient>());
    }

    /// <summary>The jobs of the connected cluster.</summary>
    public MaeClusterClient Jobs { get; }

    /// <summary>The cluster options from <paramref name="configFile"/> (if any) and the environment.</summary>
    /// <exception cref="RequestRefusedException">The file is missing or malformed, or the options are unusable.</exception>
    public static MaeClusterOptions ReadOptions(string? configFile)
    {
        var configuration = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new RequestRefusedException($"--config {configFile}: the file does not exist.");
            }
            configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        configuration.AddEnvironmentVariables();
        MaeClusterOptions options;
        try
        {
            options = configuration.Build().GetSection(MaeClusterOptions.Section).Get<MaeClusterOptions>() ?? new MaeClusterOptions();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new RequestRefusedException($"Cannot read the cluster configuration{(configFile is null ? "" : $" from {configFile}")}: {e.Message}", e);
        }
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new RequestRefusedException($"Unusable cluster configuration: {string.Join(" ", problems)}");
        }
        return options;
    }

    /// <summary>Connects to the cluster <paramref name="options"/> describe, within <see cref="ConnectTimeout"/>.</summary>
    /// <exception cref="ClusterUnreachableException">No gateway answered.</exception>
    public static async Task<ClusterConnection> ConnectAsync(MaeClusterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // Each refused connection attempt, lost gateway or abandoned call would log a stack trace; the command's own
        // one-line messages say what matters.
        QuietLogging.ConfigureClient(builder.Logging, new ConfigurationBuilder().AddEnvironmentVariables().Build());
        builder.UseOrleansClient(client =>
        {
            switch (options.Clustering)
            {
                case MaeClusterOptions.AzureStorage:
                    NameCluster(client, options);
                    client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(options.ConnectionString));
                    break;
                case MaeClusterOptions.Postgres:
                    NameCluster(client, options);
                    // The gateways the silos list in the membership table; the silos create the tables, the client only reads.
                    client.UseAdoNetClustering(o =>
                    {
                        o.Invariant = "Npgsql";
                        o.ConnectionString = options.ConnectionString;
                    });
                    break;
                default:
                    client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
                    break;
            }
        });
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token).ConfigureAwait(false);
            return new ClusterConnection(host);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            var reason = e is OperationCanceledException
                ? string.Create(CultureInfo.InvariantCulture, $"no gateway answered within {ConnectTimeout.TotalSeconds:F0} s")
                : e.Message;
            throw new ClusterUnreachableException($"Cannot reach the Mae cluster at {Describe(options)}: {reason}", e);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>The cluster and service whose gateways the membership table lists.</summary>
    private static void NameCluster(IClientBuilder client, MaeClusterOptions options) =>
        client.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });

    /// <summary>Where the client looks for the cluster, without the connection string (it holds the account key or password).</summary>
    private static string Describe(MaeClusterOptions options) => options.Clustering switch
    {
        MaeClusterOptions.AzureStorage => $"cluster '{options.ClusterId}' (service '{options.ServiceId}', AzureStorage clustering)",
        MaeClusterOptions.Postgres => $"cluster '{options.ClusterId}' (service '{options.ServiceId}', Postgres clustering in {DescribeDatabase(options.ConnectionString!)})",
        _ => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{options.GatewayPort} (cluster '{options.ClusterId}', service '{options.ServiceId}', Development clustering)"),
    };

    /// <summary>Host, port, database and user of a PostgreSQL connection string; never its password.</summary>
    private static string DescribeDatabase(string connectionString)
    {
        try
        {
            var database = new NpgsqlConnectionStringBuilder(connectionString);
            return string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {database.Host}:{database.Port}/{database.Database} as {database.Username}");
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (Mae:Cluster:ConnectionString is not a PostgreSQL connection string)";
        }
    }

    /// <summary>Closes the connection, within five seconds even when the cluster has gone away.</summary>
    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closing a connection to a cluster that has gone away must not hang the command or hide its result.
        }
        _host.Dispose();
    }
}
