using System.Diagnostics;

namespace Mae.Cluster.TestSupport;

/// <summary>Runs small scripts with the system python3 and numpy, an independent reader and writer of .npy files.</summary>
public static class PythonNumpy
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Skips the test when python3 with numpy is not installed (CI installs python3-numpy).</summary>
    public static void SkipIfMissing()
    {
        if (!File.Exists(Python) || Run("import numpy", []).ExitCode != 0)
        {
            Assert.Skip("python3 with numpy is not installed (apt-get install python3-numpy)");
        }
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="arguments"/> as sys.argv[1:]; returns stdout, failing the test on error.</summary>
    public static string RunChecked(string script, params string[] arguments)
    {
        var (exitCode, output, error) = Run(script, arguments);
        Assert.True(exitCode == 0, $"python3 failed ({exitCode}): {error}");
        return output.Trim();
    }

    private static (int ExitCode, string Output, string Error) Run(string script, string[] arguments)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
