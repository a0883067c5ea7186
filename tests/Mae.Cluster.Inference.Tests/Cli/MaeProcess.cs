using System.Diagnostics;

namespace Mae.Cluster.Inference.Tests.Cli;

/// <summary>Runs the real <c>mae</c> program (built beside the tests) as a child process.</summary>
internal static class MaeProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    private static string MaeDll => BuiltProgram.Dll(Path.Combine("src", "Client"), "mae.dll");

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var running = Start(environment, args);
        return await running.WaitAsync();
    }

    /// <summary>Starts <c>mae</c> and returns at once, for tests that act on the process while it runs.</summary>
    public static Running Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(MaeDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        return new Running(Process.Start(info)!);
    }

    /// <summary>A running <c>mae</c> whose output is read as it comes, so it never blocks on a full pipe.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        internal Running(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            _stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        }

        public bool HasExited => _process.HasExited;

        /// <summary>
        /// Sends SIGINT, as Ctrl-C in a terminal does (Process.Kill sends SIGKILL, which no program can handle),
        /// through the system's <c>kill</c>.
        /// </summary>
        public async Task InterruptAsync()
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, kill.ExitCode);
        }

        public async Task<Result> WaitAsync()
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return new Result(_process.ExitCode, await _stdout, await _stderr);
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
}
