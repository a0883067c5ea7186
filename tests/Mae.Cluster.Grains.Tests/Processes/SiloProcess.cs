using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// A real <c>src/Silo</c> process (<c>dotnet Mae.Cluster.Silo.dll</c>) configured by environment variables, with
/// stdout and stderr captured to a log file. Disposing kills it if it still runs.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private SiloProcess(string name, Process process, StreamWriter log, int siloPort, Uri health)
    {
        Name = name;
        _process = process;
        _log = log;
        SiloPort = siloPort;
        Health = health;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public string Name { get; }

    public int SiloPort { get; }

    /// <summary>The health listener, e.g. http://127.0.0.1:PORT/.</summary>
    public Uri Health { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string LogPath { get; private init; } = "";

    /// <summary>
    /// True when <paramref name="workerId"/> ("{silo address}/{device}", the silo address being
    /// "S127.0.0.1:PORT:GENERATION") is one of this silo's workers.
    /// </summary>
    public bool OwnsWorker(string? workerId) =>
        workerId is not null && workerId.Contains(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{SiloPort}:"), StringComparison.Ordinal);

    public static string SiloDll => BuiltProgram.Silo.Dll;

    public static SiloProcess Start(string name, int siloPort, int healthPort, IReadOnlyDictionary<string, string> environment, string logFolder)
    {
        var dll = SiloDll;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // As in a container: the content root (appsettings.json) is the silo's own folder; the environment overrides it.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var logPath = Path.Combine(logFolder, $"{name}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        return new SiloProcess(name, process, log, siloPort, new Uri($"http://127.0.0.1:{healthPort}/")) { LogPath = logPath };
    }

    /// <summary>GET on the health listener; the status code, or null when nothing answers.</summary>
    public async Task<HttpStatusCode?> GetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Health, path), cancellationToken);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (Active in the membership, workers running), failing if the process exits.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan deadline, CancellationToken cancellationToken)
    {
        var limit = DateTime.UtcNow + deadline;
        while (await GetAsync("readyz", cancellationToken) != HttpStatusCode.OK)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Silo {Name} exited with code {_process.ExitCode} before it was ready:\n{await ReadLogAsync()}");
            }
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"Silo {Name} was not ready within {deadline}:\n{await ReadLogAsync()}");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>kill -9: the process dies at once, with no chance to release anything (the whole tree, as a crash).</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>kill -TERM, as Kubernetes stops a pod: the host shuts down gracefully. Returns once the process has exited.</summary>
    public async Task TerminateAsync(TimeSpan deadline)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(deadline);
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async Task<string> ReadLogAsync()
    {
        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        await _pumps;
        await _log.DisposeAsync();
        _process.Dispose();
    }

    private async Task Pump(StreamReader source)
    {
        while (await source.ReadLineAsync() is { } line)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }
}
