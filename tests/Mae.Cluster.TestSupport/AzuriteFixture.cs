using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mae.Cluster.TestSupport;

/// <summary>
/// One Azurite blob emulator (from the repository's node_modules) for every test in the
/// <see cref="AzuriteTestGroup"/>, on a free loopback port with a temporary data folder; with tables too (Orleans
/// clustering) when created by <see cref="WithTables"/>. Tests may
/// <see cref="StopAsync"/> and <see cref="StartAsync"/> it: the port and the data stay the same, so a
/// restart looks to clients like an outage, not a new account.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The documented Azurite development account; not a secret.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The documented Azurite development key; not a secret.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(20);

    private readonly bool _withTables;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly StringBuilder _output = new();
    private string _entryPoint = string.Empty;
    private string _dataFolder = string.Empty;
    private Process? _process;
    private int _queuePort;
    private TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The blob service alone (a collection fixture has one public constructor).</summary>
    public AzuriteFixture()
        : this(withTables: false)
    {
    }

    private AzuriteFixture(bool withTables)
    {
        _withTables = withTables;
    }

    /// <summary>An Azurite with the table service as well (on <see cref="TablePort"/>), for Orleans clustering.</summary>
    public static AzuriteFixture WithTables() => new(withTables: true);

    public int Port { get; private set; }

    /// <summary>The table service's port; 0 unless created with tables.</summary>
    public int TablePort { get; private set; }

    /// <summary>The table service endpoint, path-style: http://127.0.0.1:PORT/devstoreaccount1.</summary>
    public Uri TableEndpoint => new($"http://127.0.0.1:{TablePort.ToString(CultureInfo.InvariantCulture)}/{AccountName}");

    /// <summary>The blob service endpoint, path-style: http://127.0.0.1:PORT/devstoreaccount1.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};" +
        (_withTables ? $"TableEndpoint={TableEndpoint};" : string.Empty);

    public async ValueTask InitializeAsync()
    {
        var root = RepositoryRoot.Find();
        // Blob alone unless tables are wanted: then the all-services entry point (one process, one data folder).
        _entryPoint = _withTables
            ? Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js")
            : Path.Combine(root, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(_entryPoint))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed ({_entryPoint} is missing): run npm ci in {root}.");
        }

        _dataFolder = Path.Combine(Path.GetTempPath(), "mae-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dataFolder);
        var ports = FreePort.OnLoopback(_withTables ? 3 : 1);
        Port = ports[0];
        if (_withTables)
        {
            TablePort = ports[1];
            _queuePort = ports[2];
        }
        await StartAsync();
    }

    /// <summary>Starts Azurite (again) on the same port and data folder, returning once the port answers.</summary>
    public async Task StartAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_process is { HasExited: false })
            {
                return;
            }

            _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var start = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])[
                _entryPoint, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(CultureInfo.InvariantCulture),
                "--location", _dataFolder, "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry"])
            {
                start.ArgumentList.Add(argument);
            }
            if (_withTables)
            {
                foreach (var argument in (string[])[
                    "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(CultureInfo.InvariantCulture),
                    "--queueHost", "127.0.0.1", "--queuePort", _queuePort.ToString(CultureInfo.InvariantCulture)])
                {
                    start.ArgumentList.Add(argument);
                }
            }

            var process = new Process { StartInfo = start };
            process.OutputDataReceived += OnOutput;
            process.ErrorDataReceived += OnOutput;
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            await WaitUntilListeningAsync(process, Port);
            if (_withTables)
            {
                await WaitUntilListeningAsync(process, TablePort);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops Azurite: SIGTERM, so that it saves its metadata and stops listening, then — once it reports
    /// closed — a kill if an open download still keeps it alive (that cuts the connection, as a crash would).
    /// </summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_process is not { HasExited: false } process)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(StopDeadline);
            SendTerminate(process);
            try
            {
                await Task.WhenAny(process.WaitForExitAsync(timeout.Token), _closed.Task.WaitAsync(timeout.Token));
            }
            catch (OperationCanceledException)
            {
                // Did not close in time; the kill below ends it.
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _lifecycle.Dispose();
        if (Directory.Exists(_dataFolder))
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
    }

    private void OnOutput(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(e.Data);
        }

        if (e.Data.Contains("successfully closed", StringComparison.Ordinal))
        {
            _closed.TrySetResult();
        }
    }

    private async Task WaitUntilListeningAsync(Process process, int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} while starting:\n{Output()}");
            }

            using var client = new TcpClient();
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                if (deadline.Elapsed > StartDeadline)
                {
                    throw new InvalidOperationException($"Azurite did not listen on 127.0.0.1:{port} within {StartDeadline}:\n{Output()}", e);
                }
            }

            // Polling interval while the port is still closed (the deadline above bounds the wait).
            await Task.Delay(50);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static void SendTerminate(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            process.Kill(entireProcessTree: true);
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
    }
}
