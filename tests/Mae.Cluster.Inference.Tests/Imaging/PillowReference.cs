using System.Buffers.Binary;
using System.Diagnostics;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>
/// Runs tests/data/pil_reference.py with the Debian python3, whose Pillow is what Hugging Face's image processors
/// call. A machine without it fails the test with the command that fixes it.
/// </summary>
internal static class PillowReference
{
    private const string Python = "/usr/bin/python3";
    private const string InstallHint = "apt-get install python3-pil python3-numpy";

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "data", "pil_reference.py");

    /// <summary>Runs the script with <paramref name="arguments"/>; throws with its stderr when it fails.</summary>
    public static void Run(params string[] arguments)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException(
                $"The Pillow reference tests need {Python} with Pillow and numpy; install them with: {InstallHint}");
        }

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ScriptPath);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {Python}");
        Task<string> output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pil_reference.py {string.Join(' ', arguments)} ran for over 3 minutes");
        }

        string stderr = errors.GetAwaiter().GetResult();
        _ = output.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            string hint = stderr.Contains("No module named", StringComparison.Ordinal)
                ? $"{Python} lacks Pillow or numpy; install them with: {InstallHint}\n"
                : string.Empty;
            throw new InvalidOperationException(
                $"{hint}pil_reference.py {arguments[0]} failed with exit code {process.ExitCode}:\n{stderr}");
        }
    }

    /// <summary>Reads a .rgb file written by the script: width, height (uint32 LE), then RGB bytes.</summary>
    public static (int Width, int Height, byte[] Pixels) ReadRgb(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int width = (int)BinaryPrimitives.ReadUInt32LittleEndian(file);
        int height = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4));
        return (width, height, file[8..]);
    }

    /// <summary>Reads a .f32 file written by the script.</summary>
    public static float[] ReadFloats(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        var values = new float[file.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(i * 4));
        }

        return values;
    }
}
