using System.Diagnostics;
using System.Globalization;

namespace Mae.Cluster.TestSupport;

/// <summary>
/// A program of this repository, run from its own build output as a child process: <see cref="Mae"/> (the <c>mae</c>
/// CLI), <see cref="MaeBench"/> (<c>mae-bench</c>) or <see cref="Silo"/>. The test project builds it (a
/// ProjectReference, with <c>ReferenceOutputAssembly="false"</c> where the tests do not call it in-process).
/// </summary>
public sealed class BuiltProgram
{
    private BuiltProgram(string project, string dllName)
    {
        Project = project;
        DllName = dllName;
    }

    /// <summary>The <c>mae</c> CLI (src/Cli).</summary>
    public static BuiltProgram Mae { get; } = new(Path.Combine("src", "Cli"), "mae.dll");

    /// <summary>The benchmarks, <c>mae-bench</c> (bench/Mae.Cluster.Bench).</summary>
    public static BuiltProgram MaeBench { get; } = new(Path.Combine("bench", "Mae.Cluster.Bench"), "mae-bench.dll");

    /// <summary>The silo host (src/Silo).</summary>
    public static BuiltProgram Silo { get; } = new(Path.Combine("src", "Silo"), "Mae.Cluster.Silo.dll");

    /// <summary>The project folder, relative to the repository root.</summary>
    public string Project { get; }

    public string DllName { get; }

    /// <summary>
    /// The program in …/<see cref="Project"/>/bin/{Configuration}/{framework}/ (the tests' own), where its deps.json
    /// and runtime config belong; a copy beside the tests would resolve against the test project's dependencies.
    /// </summary>
    public string Dll
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = testOutput.Name;
            var configuration = testOutput.Parent!.Name;
            var dll = Path.Combine(RepositoryRoot.Find(), Project, "bin", configuration, framework, DllName);
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {Project} first: {dll} is missing.");
        }
    }

    /// <summary>Runs the program to its end with <paramref name="environment"/> added to this process's.</summary>
    public async Task<ProgramResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var running = Start(environment, args);
        return await running.WaitAsync();
    }

    /// <summary>Starts the program and returns at once, for tests that act on the process while it runs.</summary>
    public RunningProgram Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(args);
        // Through env --default-signal=INT: a test run started with SIGINT ignored (a shell's background job, some CI
        // runners) passes that on to this child, and .NET then leaves Ctrl-C ignored, as a background program should;
        // a test that interrupts the program needs the disposition a terminal's foreground job has.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        return new RunningProgram(Process.Start(info)!);
    }
}

/// <summary>How a program run ended: its exit code and everything it wrote.</summary>
public sealed record ProgramResult(int ExitCode, string StdOut, string StdErr);

/// <summary>A running program whose output is read as it comes, so it never blocks on a full pipe.</summary>
public sealed class RunningProgram : IDisposable
{
    private readonly Process _process;
    private readonly ProgramOutput _stdout;
    private readonly ProgramOutput _stderr;

    internal RunningProgram(Process process)
    {
        _process = process;
        _stdout = new ProgramOutput(process.StandardOutput, TestContext.Current.CancellationToken);
        _stderr = new ProgramOutput(process.StandardError, TestContext.Current.CancellationToken);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The lines the program wrote to stdout so far, each with when it arrived.</summary>
    public IReadOnlyList<TimedLine> StdOutLines => _stdout.Lines;

    /// <summary>The lines the program wrote to stderr so far, each with when it arrived.</summary>
    public IReadOnlyList<TimedLine> StdErrLines => _stderr.Lines;

    /// <summary>
    /// Sends SIGINT, as Ctrl-C in a terminal does (Process.Kill sends SIGKILL, which no program can handle),
    /// through the system's <c>kill</c>.
    /// </summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", _process.Id.ToString(CultureInfo.InvariantCulture) } })!;
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<ProgramResult> WaitAsync()
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new ProgramResult(_process.ExitCode, await _stdout.Text, await _stderr.Text);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
