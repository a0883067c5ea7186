using System.Diagnostics;

namespace Mae.Cluster.Inference.Tests.Cli;

/// <summary>Runs the real <c>mae</c> program (built beside the tests) as a child process.</summary>
internal static class MaeProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>
    /// mae.dll in its own build output (…/src/Client/bin/{Configuration}/net10.0/), where its deps.json and runtime
    /// config belong; the copy beside the tests would resolve against the test project's dependencies.
    /// </summary>
    private static string MaeDll
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = testOutput.Name;
            var configuration = testOutput.Parent!.Name;
            var root = testOutput;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Mae.Cluster.sln")))
            {
                root = root.Parent;
            }
            var dll = Path.Combine(root?.FullName ?? "", "src", "Client", "bin", configuration, framework, "mae.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build src/Client first: {dll} is missing.");
        }
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
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
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
