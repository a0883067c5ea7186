using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Mae.Cluster.TestSupport;

/// <summary>
/// A PostgreSQL server of its own for the tests of a <see cref="PostgresTestGroup"/>: <c>initdb</c> in a temporary folder,
/// <c>pg_ctl start</c> on a free port listening on 127.0.0.1 only, password authentication for the user
/// <see cref="User"/>, and on dispose <c>pg_ctl stop -m immediate</c> and the folder deleted. PostgreSQL refuses to run as
/// root, so as root (here and in CI) both run as the system user <c>postgres</c> (which Debian's package creates) through
/// <c>runuser</c>; otherwise as the current user. Each test takes an empty database of its own from
/// <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>The database superuser the server is created with.</summary>
    public const string User = "mae";

    private const string SystemUser = "postgres";
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(120);

    private string _folder = string.Empty;
    private string _bin = string.Empty;
    private bool _started;

    /// <summary>A password of this server alone, so a test can check that nothing prints it.</summary>
    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");

    public int Port { get; private set; }

    private string DataFolder => Path.Combine(_folder, "data");

    /// <summary>An Npgsql connection string to <paramref name="database"/> as <see cref="User"/>, with the password.</summary>
    public string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Database={database};Username={User};Password={Password}");

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var name = "mae_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(name);
    }

    public async ValueTask InitializeAsync()
    {
        _bin = FindBinaries();
        _folder = Path.Combine(Path.GetTempPath(), "mae-postgres-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", [SystemUser, _folder]);
        }
        Port = FreePort.OnLoopback();
        var passwordFile = Path.Combine(_folder, "password");
        await File.WriteAllTextAsync(passwordFile, Password);
        await RunAsPostgresAsync("initdb", [
            "-D", DataFolder, "--username", User, "--pwfile", passwordFile, "--auth", "scram-sha-256",
            "--encoding", "UTF8", "--no-locale", "--no-sync", "--no-instructions"]);
        // Loopback TCP only (no Unix socket in a system folder), and no durability: a test server loses nothing it needs.
        await File.AppendAllTextAsync(Path.Combine(DataFolder, "postgresql.conf"), string.Create(CultureInfo.InvariantCulture, $"""

            listen_addresses = '127.0.0.1'
            port = {Port}
            unix_socket_directories = ''
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 300
            """));
        await RunAsPostgresAsync("pg_ctl", ["start", "-D", DataFolder, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60"]);
        _started = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await RunAsPostgresAsync("pg_ctl", ["stop", "-D", DataFolder, "-m", "immediate", "-w"]);
            _started = false;
        }
        if (_folder.Length > 0 && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/VERSION/bin (newest).</summary>
    private static string FindBinaries()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(VersionOf).Select(d => Path.Combine(d, "bin"))
            : [];
        return onPath.Concat(debian).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "PostgreSQL is not installed: initdb and pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin. " +
                "Install it with 'apt-get install postgresql' (Debian, Ubuntu), or run ./scripts/test.sh, which installs it.");
    }

    private static int VersionOf(string folder) =>
        int.TryParse(Path.GetFileName(folder), NumberStyles.Integer, CultureInfo.InvariantCulture, out var version) ? version : 0;

    /// <summary>A PostgreSQL program, as the <c>postgres</c> system user when this process is root (PostgreSQL refuses root).</summary>
    private Task RunAsPostgresAsync(string program, IReadOnlyList<string> args)
    {
        var path = Path.Combine(_bin, program);
        return Environment.IsPrivilegedProcess
            ? RunAsync("runuser", ["-u", SystemUser, "--", path, .. args])
            : RunAsync(path, args);
    }

    private async Task RunAsync(string program, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Where the postgres user may be: initdb and pg_ctl fail in a working folder they cannot read.
            WorkingDirectory = _folder.Length > 0 ? _folder : Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandDeadline);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(_folder, "server.log");
            var serverLog = File.Exists(log) ? $"\nserver.log:\n{await File.ReadAllTextAsync(log)}" : "";
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', args)} exited with code {process.ExitCode}:\n{await stdout}{await stderr}{serverLog}");
        }
    }
}
