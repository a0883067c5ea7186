using System.Diagnostics;
using System.Globalization;
using System.Net;
using Mae.Cluster.Embedded;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Bench;

/// <summary>
/// Real silo processes (the built <c>src/Silo</c> program, <c>dotnet Mae.Cluster.Silo.dll</c>) on free loopback
/// ports, configured by environment variables as a deployment would be; each one's output goes to a log file.
/// Development clustering makes the first the primary; AzureStorage clustering finds them through its table.
/// </summary>
internal sealed class SiloProcessGroup : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(120);

    private readonly List<(Process Process, Uri Health, string Log, StreamWriter Writer)> _silos = [];

    private SiloProcessGroup(MaeClusterOptions client) => Client = client;

    /// <summary>Where a client finds this cluster (the first silo's gateway, or the membership table).</summary>
    public MaeClusterOptions Client { get; }

    /// <summary>Process ids, in start order.</summary>
    public IReadOnlyList<int> ProcessIds => [.. _silos.Select(s => s.Process.Id)];

    /// <summary>
    /// Starts <paramref name="count"/> silos with <paramref name="settings"/> (environment variables, <c>:</c> as
    /// <c>__</c>) and waits until every one answers <c>/readyz</c> (Active in the membership, workers running).
    /// </summary>
    public static async Task<SiloProcessGroup> StartAsync(int count, IReadOnlyDictionary<string, string> settings, MaeClusterOptions cluster, string logFolder,
        CancellationToken cancellationToken)
    {
        var dll = SiloProgram();
        var primary = LoopbackPorts.Free();
        var firstGateway = LoopbackPorts.Free();
        var group = new SiloProcessGroup(new MaeClusterOptions
        {
            ClusterId = cluster.ClusterId, ServiceId = cluster.ServiceId, Clustering = cluster.Clustering,
            ConnectionString = cluster.ConnectionString, GatewayPort = firstGateway,
        });
        try
        {
            for (var i = 0; i < count; i++)
            {
                var siloPort = i == 0 ? primary : LoopbackPorts.Free();
                var healthPort = LoopbackPorts.Free();
                var environment = new Dictionary<string, string>(settings)
                {
                    ["Mae__Cluster__ClusterId"] = cluster.ClusterId,
                    ["Mae__Cluster__ServiceId"] = cluster.ServiceId,
                    ["Mae__Cluster__Clustering"] = cluster.Clustering,
                    ["Mae__Cluster__SiloPort"] = Invariant(siloPort),
                    ["Mae__Cluster__GatewayPort"] = Invariant(i == 0 ? firstGateway : LoopbackPorts.Free()),
                    ["Mae__Cluster__PrimarySiloEndpoint"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{primary}"),
                    ["Mae__Health__Urls"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{healthPort}"),
                };
                if (cluster.ConnectionString is { } connection)
                {
                    environment["Mae__Cluster__ConnectionString"] = connection;
                }
                group.Start(dll, environment, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{healthPort}/")),
                    Path.Combine(logFolder, string.Create(CultureInfo.InvariantCulture, $"silo-{count}-{i}.log")));
                if (i == 0)
                {
                    // The others join the primary's membership table: it must listen first.
                    await group.WaitUntilReadyAsync(0, cancellationToken).ConfigureAwait(false);
                }
            }
            for (var i = 1; i < count; i++)
            {
                await group.WaitUntilReadyAsync(i, cancellationToken).ConfigureAwait(false);
            }
            return group;
        }
        catch
        {
            await group.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Each silo's peak resident memory so far (VmHWM in /proc/PID/status), in bytes; null where it cannot be read.</summary>
    public IReadOnlyList<long?> PeakResidentBytes() => [.. _silos.Select(s => ProcStatus.Bytes(s.Process.Id, ProcStatus.PeakResident))];

    private void Start(string dll, Dictionary<string, string> environment, Uri health, string log)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // As in a container: appsettings.json beside the program; the environment overrides it.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(writer, e.Data);
        process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _silos.Add((process, health, log, writer));
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (writer)
        {
            writer.WriteLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(int index, CancellationToken cancellationToken)
    {
        var (process, health, log, _) = _silos[index];
        var deadline = Stopwatch.StartNew();
        while (!await IsReadyAsync(health, cancellationToken).ConfigureAwait(false))
        {
            if (process.HasExited || deadline.Elapsed > ReadyDeadline)
            {
                var why = process.HasExited ? $"exited with code {process.ExitCode}" : $"was not ready within {ReadyDeadline.TotalSeconds:F0} s";
                throw new InvalidOperationException($"Silo process {index} {why}; its log is {log}:\n{Tail(log)}");
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> IsReadyAsync(Uri health, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(health, "readyz"), cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // the silo is too busy starting to answer within the client's timeout
        }
    }

    private static string Tail(string log)
    {
        using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var lines = reader.ReadToEnd().Split('\n');
        return string.Join('\n', lines.TakeLast(40));
    }

    /// <summary>
    /// The silo program built beside this one: …/bench/Mae.Cluster.Bench/bin/{Configuration}/{framework}/ maps to
    /// …/src/Silo/bin/{Configuration}/{framework}/Mae.Cluster.Silo.dll (this project builds it).
    /// </summary>
    private static string SiloProgram()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        var root = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "src", "Silo", "bin", configuration, framework, "Mae.Cluster.Silo.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The silo program is missing ({dll}): build src/Silo in {configuration} first.", dll);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Stops every silo with SIGTERM, secondaries first (the primary holds the development membership table), then kills any left.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _, _, writer) in Enumerable.Reverse(_silos))
        {
            if (!process.HasExited)
            {
                using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Invariant(process.Id)]) { UseShellExecute = false });
                if (kill is not null)
                {
                    await kill.WaitForExitAsync().ConfigureAwait(false);
                }
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            process.Dispose();
            await writer.DisposeAsync().ConfigureAwait(false);
        }
        _silos.Clear();
    }
}
